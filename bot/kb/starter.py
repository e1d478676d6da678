"""`teller init`: a new knowledge base with the conversation basics only
(`knowledge_base/starter`): greetings, thanks, yes / no, help, a person, restart, and
out-of-scope examples; no facts of any bank."""

from __future__ import annotations

from pathlib import Path

import yaml

from bot.errors import TellerError
from bot.kb.loader import METADATA_FILE, load_knowledge_base
from bot.kb.models import KnowledgeBase
from knowledge_base import STARTER_KB_DIR

STARTER_FILES = ("conversation.yaml", "out_of_scope.yaml")


def metadata_yaml(bank_name: str) -> str:
    """kb.yaml of a new KB. It lists the CLINC150 messages shipped with Teller as messages
    to decline: a new bank's assistant should refuse recipes and flight bookings from its
    first day, before it has an out-of-scope list of its own."""
    return ("# Metadata of this knowledge base. Content lives in the other *.yaml files.\n"
            + yaml.safe_dump({"bank_name": bank_name, "version": "1", "language": "en"},
                             sort_keys=False, allow_unicode=True)
            + "# Messages no bank answers, shipped with Teller (CLINC150; CC BY 3.0): the\n"
            "# out-of-scope detector learns from them beside out_of_scope.yaml.\n"
            + yaml.safe_dump({"out_of_scope_corpora": ["clinc150"]}, sort_keys=False))


def init_knowledge_base(folder: Path, bank_name: str) -> KnowledgeBase:
    """A new KB with the conversation basics only (`knowledge_base/starter`), no facts of
    any bank. Refuses a folder that exists and is not empty."""
    folder = Path(folder)
    if not bank_name.strip():
        raise TellerError("the bank name is empty; give the bank's name as the assistant "
                          "should say it (--bank-name 'Acme Bank')")
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise TellerError(f"{folder} already exists and is not an empty folder; choose a new "
                          "folder (init never overwrites a knowledge base)")
    folder.mkdir(parents=True, exist_ok=True)
    for name in STARTER_FILES:
        (folder / name).write_bytes((STARTER_KB_DIR / name).read_bytes())
    (folder / METADATA_FILE).write_text(metadata_yaml(bank_name.strip()), encoding="utf-8")
    return load_knowledge_base(folder)
