"""Time from `teller serve` on an empty data folder to the first answer, to each model the
background training swaps in (the frozen-encoder model on the KB and BANKING77, the other
languages' models), and, with `--wait-fine-tune`, to the fine-tuned model taking over.

Starts a real server (embedded default KB, SQLite in the temporary folder) and asks the
same questions through the API (English, Chinese, Spanish) as soon as `/readyz` says
ready, then each time `/readyz` reports a change. Run it with nothing else busy: on 2 CPU
cores the fine-tune takes about 20 minutes.

    python benchmarks/first_start.py [--wait-fine-tune] [--port 8765] [--keep-log FILE]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
QUESTIONS = {"en": "my card still hasn't arrived, what's going on?",
             "zh": "我的卡怎么还没寄到？", "es": "mi tarjeta todavía no ha llegado, ¿qué pasa?"}
DEV_KEY = {"Authorization": "Bearer teller-dev-key"}


def ask(base: str, language: str) -> str:
    """One question in a new session: the reply's language and intent (or action)."""
    session = httpx.post(f"{base}/v1/sessions", headers=DEV_KEY, timeout=30).json()
    reply = httpx.post(f"{base}/v1/sessions/{session['session_id']}/messages",
                       json={"message": QUESTIONS[language]}, headers=DEV_KEY, timeout=60)
    reply.raise_for_status()
    body = reply.json()
    intent = body["intent"]["name"] if body.get("intent") else body["action"]
    return f"{language}: {body.get('language')} {intent} {body.get('latency_ms')} ms"


def report(base: str, started: float, state: dict[str, object], what: str) -> None:
    languages = [str(x) for x in state.get("languages") or ["en"]]  # type: ignore[attr-defined]
    pending = [str(x) for x in state.get("pending_languages") or []]  # type: ignore[attr-defined]
    asked = [language for language in [*languages, *pending] if language in QUESTIONS]
    answers = [ask(base, asked[0])]
    answered = time.perf_counter() - started  # the first reply's arrival
    answers += [ask(base, language) for language in asked[1:]]
    print(f"{answered:6.1f} s  {what}: model {state['model_kind']}, "
          f"languages {languages} (pending {pending}), training: {state['training']}\n"
          f"          {'; '.join(answers)}", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--wait-fine-tune", action="store_true")
    parser.add_argument("--timeout", type=float, default=3600)
    parser.add_argument("--keep-log", type=Path, help="copy the server's log here at the end")
    args = parser.parse_args()
    base = f"http://127.0.0.1:{args.port}"
    with tempfile.TemporaryDirectory() as folder:
        env = {**os.environ, "HF_HUB_OFFLINE": "1", "TELLER_DATA_DIR": folder,
               "TELLER_DATABASE_URL": f"sqlite:///{folder}/teller.db",
               "TELLER_MODEL_RELOAD_SECONDS": "5"}
        log = Path(folder) / "server.log"
        started = time.perf_counter()
        server = subprocess.Popen([sys.executable, "-m", "bot.cli", "serve", "--port",
                                   str(args.port)], env=env, cwd=ROOT,
                                  stdout=log.open("w"), stderr=subprocess.STDOUT)
        try:
            while True:
                if server.poll() is not None:
                    print(log.read_text()[-3000:], file=sys.stderr)
                    return 1
                try:
                    ready = httpx.get(f"{base}/readyz", timeout=2)
                    if ready.status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if time.perf_counter() - started > args.timeout:
                    return 1
                time.sleep(0.5)
            state = ready.json()
            report(base, started, state, "first answer")
            last = (state["model_kind"], state["training"], state.get("pending_languages"))
            while True:
                time.sleep(2)
                state = httpx.get(f"{base}/readyz", timeout=5).json()
                now = (state["model_kind"], state["training"], state.get("pending_languages"))
                if now != last:
                    report(base, started, state, "swapped in")
                    last = now
                fine_tuned = str(state["model_kind"]).startswith("finetuned")
                if fine_tuned or (not args.wait_fine_tune and not state.get("pending_languages")
                                  and state["training"] == "fine-tuning the intent model"):
                    break
                if time.perf_counter() - started > args.timeout:
                    print("the background training did not finish in time", file=sys.stderr)
                    return 1
        finally:
            server.terminate()
            server.wait(timeout=30)
            if args.keep_log:
                shutil.copyfile(log, args.keep_log)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
