"""Time from `teller serve` on an empty data folder to the first answer, and to the
fine-tuned model taking over (the server answers on a frozen-encoder model meanwhile).

Starts a real server (embedded default KB, SQLite in the temporary folder) and asks the
same question through the API as soon as `/readyz` says ready, then every 30 seconds until
`/readyz` reports the fine-tuned model (with `--wait-fine-tune`). Run it with nothing else
busy: on 2 CPU cores the fine-tune takes about 20 minutes.

    python benchmarks/first_start.py [--wait-fine-tune] [--port 8765]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
QUESTION = "my card still hasn't arrived, what's going on?"
DEV_KEY = {"Authorization": "Bearer teller-dev-key"}


def ask(base: str) -> dict[str, object]:
    session = httpx.post(f"{base}/v1/sessions", headers=DEV_KEY, timeout=30).json()
    reply = httpx.post(f"{base}/v1/sessions/{session['session_id']}/messages",
                       json={"message": QUESTION}, headers=DEV_KEY, timeout=60)
    reply.raise_for_status()
    body: dict[str, object] = reply.json()
    return body


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--wait-fine-tune", action="store_true")
    parser.add_argument("--timeout", type=float, default=3600)
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
            reply = ask(base)
            first = time.perf_counter() - started
            state = ready.json()
            print(f"first answer after {first:.1f} s, model {state['model_kind']} "
                  f"(training: {state['training']}): intent "
                  f"{reply['intent']['name'] if reply.get('intent') else None}")  # type: ignore[index]
            while args.wait_fine_tune:
                state = httpx.get(f"{base}/readyz", timeout=5).json()
                if state["model_kind"].startswith("finetuned"):
                    reply = ask(base)
                    print(f"fine-tuned model serving after {time.perf_counter() - started:.0f} s: "
                          f"intent {reply['intent']['name']}")  # type: ignore[index]
                    break
                if time.perf_counter() - started > args.timeout:
                    print("the fine-tune did not finish in time", file=sys.stderr)
                    return 1
                time.sleep(30)
        finally:
            server.terminate()
            server.wait(timeout=30)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
