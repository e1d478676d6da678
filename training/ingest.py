"""Read chat-log exports and new FAQ entries for `teller ingest`.

Logs: JSONL or CSV with `text` and optional `intent` (or `category`/`label`), `answer` (or
`bot_answer`), `feedback` (up/down, thumbs_up/thumbs_down, 1/0/-1). FAQ files: KB YAML with a
`faq:` section (and optionally `intents:`); an entry without `intent:` gets its own intent
(`faq_<id>`) whose examples are its questions, so reviewed logs can be trained on it.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

from bot.dialogue.review import LogRecord
from bot.errors import TrainingDataError
from bot.files import replace_file
from bot.kb import KnowledgeBase, load_knowledge_base
from bot.kb.loader import kb_files
from training.data import LABEL_COLUMNS, TEXT_COLUMN, _rows

INGESTED_FAQ_FILE = "ingested-faq.yaml"
ANSWER_COLUMNS = ("bot_answer", "answer", "response")
FEEDBACK = {"up": "up", "thumbs_up": "up", "1": "up", "+1": "up", "down": "down",
            "thumbs_down": "down", "-1": "down", "0": "down"}


def read_log_file(path: Path) -> list[LogRecord]:
    """Records from a chat-log export; errors name the file and row."""
    path = Path(path)
    records = []
    for number, row in _rows(path):
        text = row.get(TEXT_COLUMN)
        if not isinstance(text, str):
            raise TrainingDataError(f"{path}: row {number}: no '{TEXT_COLUMN}' value")
        label = next((row[c] for c in LABEL_COLUMNS if isinstance(row.get(c), str)
                      and str(row[c]).strip()), None)
        answer = next((str(row[c]) for c in ANSWER_COLUMNS if isinstance(row.get(c), str)
                       and str(row[c]).strip()), None)
        raw_feedback = str(row.get("feedback") or "").strip().lower()
        if raw_feedback and raw_feedback not in FEEDBACK:
            raise TrainingDataError(f"{path}: row {number}: feedback '{raw_feedback}' is not "
                                    "one of up, down, thumbs_up, thumbs_down, 1, -1")
        records.append(LogRecord(text=text, origin=f"file:{path.name}",
                                 intent=label.strip() if isinstance(label, str) else None,
                                 bot_answer=answer, feedback=FEEDBACK.get(raw_feedback)))
    return records


@dataclass(frozen=True)
class FaqIngestResult:
    added: list[str]
    changed: list[str]
    new_intents: list[str]
    kb: KnowledgeBase


def _yaml() -> YAML:
    yaml = YAML()
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.width = 100
    return yaml


def faq_intent_name(faq_id: str) -> str:
    return "faq_" + faq_id.replace("-", "_")


def ingest_faq(kb_dir: Path, faq_file: Path, bank_name: str | None = None) -> FaqIngestResult:
    """Add new FAQ entries (and intents) and replace changed ones, validated as a whole KB
    on a copy first; the KB folder changes only if the result loads. Entries whose id
    exists are replaced where they are; new ones go to `ingested-faq.yaml`."""
    kb_dir, faq_file = Path(kb_dir), Path(faq_file)
    try:
        incoming = _yaml().load(faq_file.read_text(encoding="utf-8")) or {}
    except FileNotFoundError as exc:
        raise TrainingDataError(f"{faq_file}: file not found") from exc
    if not isinstance(incoming, dict) or not isinstance(incoming.get("faq"), list):
        raise TrainingDataError(f"{faq_file}: expected a YAML mapping with a 'faq:' list "
                                "(see knowledge_base/README.md)")
    current = load_knowledge_base(kb_dir, bank_name)
    # Plain data, so entries are written in block style whatever style the file used.
    incoming = json.loads(json.dumps(incoming))
    intents = list(incoming.get("intents") or [])
    named = {i.get("name") for i in intents if isinstance(i, dict)}
    added: list[str] = []
    changed: list[str] = []
    new_intents = [str(n) for n in named if n not in current.intents]
    entries = []
    for entry in incoming["faq"]:
        if not isinstance(entry, dict) or not entry.get("id"):
            raise TrainingDataError(f"{faq_file}: every faq entry needs an 'id'")
        if not entry.get("intent"):
            old = current.faq.get(str(entry["id"]))
            if old is not None and old.intent:
                entry["intent"] = old.intent
            else:
                name = faq_intent_name(str(entry["id"]))
                entry["intent"] = name
                if name not in current.intents and name not in named:
                    intents.append({"name": name, "examples": list(entry.get("questions") or [])})
                    new_intents.append(name)
        (changed if entry["id"] in current.faq else added).append(str(entry["id"]))
        entries.append(entry)

    with tempfile.TemporaryDirectory(prefix="teller-kb-ingest-") as scratch:
        copy = Path(scratch) / "kb"
        shutil.copytree(kb_dir, copy)
        documents: dict[Path, Any] = {}
        by_id = {str(e["id"]): e for e in entries}
        for path in kb_files(copy):
            document = _yaml().load(path.read_text(encoding="utf-8")) or {}
            for index, old in enumerate(document.get("faq") or []):
                if isinstance(old, dict) and str(old.get("id")) in by_id:
                    document["faq"][index] = by_id.pop(str(old.get("id")))
                    documents[path] = document
        target = copy / INGESTED_FAQ_FILE
        document = documents.get(target) or (
            _yaml().load(target.read_text(encoding="utf-8")) if target.exists() else None) or {}
        if by_id or intents:
            document.setdefault("faq", []).extend(by_id.values())
            known = {i.get("name") for i in document.get("intents") or []}
            document.setdefault("intents", []).extend(
                i for i in intents if i.get("name") not in known)
            if not document["faq"]:
                del document["faq"]
            documents[target] = document
        for path, doc in documents.items():
            with open(path, "w", encoding="utf-8") as handle:
                _yaml().dump(doc, handle)
        load_knowledge_base(copy, bank_name)  # raises KnowledgeBaseError: nothing written
        for path in documents:
            replace_file(path, kb_dir / path.name)
    return FaqIngestResult(added, changed, sorted(set(new_intents)),
                           load_knowledge_base(kb_dir, bank_name))
