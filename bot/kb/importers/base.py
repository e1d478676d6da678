"""What every importer returns: typed items with the place they came from.

A reader (one per content type: `html`, `pdf`, `docx`, `markdown`, `table`, `rasa`,
`dialogflow`) turns one file or project folder into a `ReadResult`. It does not decide ids,
drafts or where things are written: `bot.kb.importers.writer` does, the same way for every
format. A file that cannot be read at all raises `UnreadableSource` naming the file and what
to do; parts of a readable file that cannot be carried over are listed in `skipped`.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from bot.errors import TellerError

_TELLER_NAME = re.compile(r"^[a-z][a-z0-9_]*$")

# Files larger than this are refused whole (a bank's help page or fee schedule is far
# smaller; a bigger file is most likely the wrong one, or a scan that needs OCR first).
MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_FILE_LABEL = "20 MB"


class UnreadableSource(TellerError):
    """A file or project that cannot be imported; nothing of it is written."""

    http_status = 422

    def __init__(self, source: str, problem: str) -> None:
        super().__init__(f"{source}: {problem}")
        self.source = source
        self.problem = problem


@dataclass(frozen=True)
class Citation:
    """Where an imported item came from, as the answer's `sources` will cite it."""

    document: str  # the document's title ("Fee schedule 2026")
    file: str  # the file name
    section: str | None = None  # the heading the item sits under
    page: int | None = None  # 1-based page (PDF pages; DOCX pages counted by page breaks)
    url: str | None = None  # a web page's canonical URL, when it names one


@dataclass(frozen=True)
class ImportedQuestion:
    """A question with its answer (FAQ page, <details>, <dl>, CSV row): an FAQ entry."""

    question: str
    answer: str
    citation: Citation
    alternatives: tuple[str, ...] = ()  # other wordings of the same question


@dataclass(frozen=True)
class ImportedPassage:
    """Prose or a table under one heading. Paragraphs are separated by a blank line and have
    no hard line wraps; a table is one row per line, each row readable on its own
    ("International transfer in USD: €4 per payment")."""

    text: str
    citation: Citation


@dataclass(frozen=True)
class ImportedIntent:
    """An intent of another bot (Rasa, Dialogflow) with its examples and what it answers."""

    name: str
    examples: tuple[str, ...]
    answers: tuple[str, ...] = ()  # the response texts; empty when it ran custom code
    description: str = ""


@dataclass(frozen=True)
class Skipped:
    """A part of a source that was not imported, and why (shown in the import report)."""

    what: str
    why: str


@dataclass
class ReadResult:
    """Everything read from one source (a file, or a Rasa / Dialogflow project)."""

    source: str  # the file or folder name as given to the importer
    title: str
    questions: list[ImportedQuestion] = field(default_factory=list)
    passages: list[ImportedPassage] = field(default_factory=list)
    intents: list[ImportedIntent] = field(default_factory=list)
    out_of_scope: list[str] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # "question column guessed: 'Q'"

    @property
    def empty(self) -> bool:
        return not (self.questions or self.passages or self.intents)


_SPACES = re.compile(r"[ \t\u00a0]+")


def clean_text(text: str) -> str:
    """Collapse runs of spaces, keep paragraph breaks (blank lines) and single newlines
    (table rows), strip each line."""
    lines = [_SPACES.sub(" ", line).strip() for line in text.replace("\r", "").split("\n")]
    out: list[str] = []
    for line in lines:
        if line or (out and out[-1]):
            out.append(line)
    return "\n".join(out).strip()


def check_size(path_label: str, size: int) -> None:
    if size > MAX_FILE_BYTES:
        raise UnreadableSource(
            path_label, f"the file is {size / 1024 / 1024:.1f} MB; the limit is "
            f"{MAX_FILE_LABEL} per file. Split it, or import the relevant part")


def teller_intent_name(name: str) -> str:
    """A Teller intent name (`^[a-z][a-z0-9_]*$`) for another bot's intent name:
    "Lost card" -> "lost_card", "ask-hours" -> "ask_hours", "faq/ask_x" -> "faq_ask_x"."""
    if _TELLER_NAME.match(name):
        return name
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    ascii_name = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", ascii_name)  # LostCard -> Lost_Card
    value = re.sub(r"[^a-z0-9]+", "_", ascii_name.lower()).strip("_")
    if not value:  # a name in another script: stable, so a re-import keeps the same name
        return "intent_" + hashlib.sha1(name.encode("utf-8")).hexdigest()[:8]
    return value if value[0].isalpha() else f"intent_{value}"


def read_file_bytes(path: Path) -> bytes:
    """A file's bytes, refused whole when it is over the size limit or cannot be read."""
    try:
        check_size(path.name, path.stat().st_size)
        return path.read_bytes()
    except OSError as exc:
        raise UnreadableSource(path.name, f"cannot read the file: {exc.strerror}") from exc
