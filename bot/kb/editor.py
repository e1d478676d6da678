"""Edits to a knowledge base folder from the admin pages: an FAQ entry, an intent's examples.

Every edit is validated as the whole KB before anything is written: the change is applied
to a copy of the folder, the copy is loaded with the normal loader, and only if it loads
is the one changed file replaced (atomically). YAML is edited round-trip (ruamel.yaml), so
the content team's comments and layout survive. New FAQ entries go to `admin-added.yaml`.
`checked_copy` is the same check for files from elsewhere (another replica's edit, `bot.kb.sync`).
"""

from __future__ import annotations

import io
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

from bot.files import replace_file
from bot.kb.loader import KbProblem, KnowledgeBaseError, kb_files, load_knowledge_base
from bot.kb.models import KnowledgeBase

ADDED_FILE = "admin-added.yaml"


@dataclass(frozen=True)
class FaqDraft:
    id: str
    category: str
    questions: list[str]
    answer: str
    intent: str | None = None
    tags: tuple[str, ...] = ()

    def as_yaml(self) -> dict[str, Any]:
        entry: dict[str, Any] = {"id": self.id.strip()}
        if self.intent:
            entry["intent"] = self.intent.strip()
        entry["category"] = self.category.strip()
        if self.tags:
            entry["tags"] = list(self.tags)
        entry["questions"] = [q.strip() for q in self.questions if q.strip()]
        entry["answer"] = self.answer.strip()
        return entry


def _yaml() -> YAML:
    yaml = YAML()  # round-trip: keeps comments, order and quoting
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.width = 100
    return yaml


class KbEditor:
    def __init__(self, folder: Path, bank_name: str | None = None) -> None:
        self.folder = Path(folder)
        self.bank_name = bank_name

    def _find(self, section: str, key: str, value: str) -> tuple[Path, Any, int] | None:
        """The file, its parsed document and the index of the entry with `key` == value."""
        for path in kb_files(self.folder):
            document = _yaml().load(path.read_text(encoding="utf-8")) or {}
            for index, entry in enumerate(document.get(section) or []):
                if isinstance(entry, dict) and entry.get(key) == value:
                    return path, document, index
        return None

    def save_faq(self, draft: FaqDraft, replacing: str | None = None) -> KnowledgeBase:
        """Add an FAQ entry (`replacing` None) or replace the entry with id `replacing`.
        Raises KnowledgeBaseError (nothing written) when the KB would be invalid."""
        if replacing:
            found = self._find("faq", "id", replacing)
            if found is None:
                raise KnowledgeBaseError([KbProblem("", f"faq {replacing}", "id",
                                                    "no such FAQ entry; reload the list")],
                                         self.folder)
            path, document, index = found
            document["faq"][index] = draft.as_yaml()
        else:
            path = self.folder / ADDED_FILE
            document = (_yaml().load(path.read_text(encoding="utf-8"))
                        if path.exists() else None) or {}
            document.setdefault("faq", []).append(draft.as_yaml())
        return self._write_checked(path, document)

    def save_examples(self, intent: str, examples: list[str]) -> KnowledgeBase:
        """Replace an intent's examples (blank lines dropped). Raises KnowledgeBaseError."""
        found = self._find("intents", "name", intent)
        if found is None:
            raise KnowledgeBaseError([KbProblem("", f"intent {intent}", "name",
                                                "no such intent; reload the list")],
                                     self.folder)
        path, document, index = found
        document["intents"][index]["examples"] = [e.strip() for e in examples if e.strip()]
        return self._write_checked(path, document)

    def _write_checked(self, path: Path, document: Any) -> KnowledgeBase:
        stream = io.StringIO()
        _yaml().dump(document, stream)
        with checked_copy(self.folder, {path.name: stream.getvalue()},
                          self.bank_name) as (copy, knowledge):
            replace_file(copy / path.name, path)
        return knowledge


@contextmanager
def checked_copy(folder: Path, files: Mapping[str, str | None], bank_name: str | None = None
                 ) -> Iterator[tuple[Path, KnowledgeBase]]:
    """A scratch copy of `folder` with `files` (name -> content; None: removed) written, and
    the knowledge base loaded from it. Raises KnowledgeBaseError, naming `folder`, when that
    KB would be invalid; copy the files you keep from the scratch copy before it goes."""
    with tempfile.TemporaryDirectory(prefix="teller-kb-edit-") as scratch:
        copy = Path(scratch) / "kb"
        shutil.copytree(folder, copy)
        for name, content in files.items():
            target = copy / name
            if content is None:
                target.unlink(missing_ok=True)
            else:
                with open(target, "w", encoding="utf-8") as handle:
                    handle.write(content)
        try:
            knowledge = load_knowledge_base(copy, bank_name)
        except KnowledgeBaseError as exc:  # name the folder edited, not the scratch copy
            raise KnowledgeBaseError(exc.problems, folder) from None
        yield copy, knowledge
