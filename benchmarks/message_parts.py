"""How often single-request messages are read as several requests.

BANKING77's messages each carry one label, so a reply that answers several parts
(`data.parts`) is either a message that really asks two things ("How much does a new card
cost and how fast will I get it?") or a wrong split. Sends every message of a labelled CSV
through `Assistant.handle`, each in its own session, and prints every message read in parts
with what each part got, how many there were, and in how many the label's intent is among
the parts' intents.

    python benchmarks/message_parts.py [--data ../shared/data/banking77/test.csv]
        [--limit N] [--json OUT.json]

Uses the model and index in TELLER_DATA_DIR (default .teller), building them if missing;
TELLER_INTENT_MODEL=embedding-head for the frozen-encoder model.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from bench_setup import DEFAULT_DATA


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--limit", type=int, default=0, help="Only the first N messages")
    parser.add_argument("--json", type=Path, default=None, help="Also write results here")
    args = parser.parse_args()

    from bench_setup import read_labelled, ready_assistant

    from bot.config import Settings
    from bot.dialogue.parts import PARTS

    rows = read_labelled(args.data, args.limit)
    settings = Settings()
    assistant = ready_assistant(settings, in_memory=True)

    split: list[dict[str, object]] = []
    for text, label in rows:
        parts = assistant.handle(text).data.get(PARTS) or []
        if parts:
            split.append({"text": text, "label": label,
                          "label_among_parts": any(p["intent"] == label for p in parts),
                          "parts": parts})
            got = ", ".join(f"{p['intent'] or '-'} ({p['response_id']})" for p in parts)
            print(f"[{label}] {text}\n    -> {got}")
    result = {
        "messages": len(rows),
        "read_in_parts": len(split),
        "label_among_parts": sum(bool(s["label_among_parts"]) for s in split),
        "model": json.loads((settings.model_dir / "manifest.json").read_text())["kind"],
    }
    print(f"read in parts: {result['read_in_parts']} of {result['messages']}; the label's "
          f"intent among the parts in {result['label_among_parts']}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({**result, "messages_read_in_parts": split},
                                        indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
