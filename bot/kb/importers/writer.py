"""Turn what the readers found into knowledge-base files, validated whole before anything is
written.

One source (a file, or a Rasa / Dialogflow project) becomes one YAML file in the KB folder,
`imported-<source>.yaml`, or `imported-<source>.draft.yaml` while it waits for review. Ids
come from the source and the heading (`fee-schedule-international-payments-p2`), so
importing the same file again rewrites the same file with the same ids: unchanged items stay
byte for byte, edited ones change, and items that left the document leave the KB. Nothing is
written when any source cannot be read or the KB with the new files would be invalid: the
files are written into a scratch copy of the folder, the copy is loaded with the normal
loader (drafts as if published), and only then is each file put in place in one rename.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml

from bot.files import replace_file
from bot.kb.editor import checked_copy
from bot.kb.importers.base import Citation, ReadResult, teller_intent_name
from bot.kb.loader import DRAFT_SUFFIX, KnowledgeBaseError
from bot.kb.models import KnowledgeBase
from bot.text import sentence_key

IMPORTED_PREFIX = "imported-"
MAX_PASSAGE_WORDS = 300
MAX_ID = 80
Change = Literal["added", "changed", "removed", "unchanged"]


def slug(text: str, limit: int = 40) -> str:
    """`International payments (USD)` -> `international-payments-usd`."""
    value = re.sub(r"[^a-z0-9]+", "-", text.casefold()).strip("-")
    return value[:limit].rstrip("-") or "item"


def file_stem(source: str) -> str:
    """The KB file name of a source, without `.yaml` / `.draft.yaml`."""
    return IMPORTED_PREFIX + slug(Path(source).name, 60)


def live_name(source: str) -> str:
    return f"{file_stem(source)}.yaml"


def draft_name(source: str) -> str:
    return f"{file_stem(source)}{DRAFT_SUFFIX}"


def split_passage(text: str, max_words: int = MAX_PASSAGE_WORDS) -> list[str]:
    """Cut a long section into pieces of at most `max_words` at paragraph, row or sentence
    boundaries, so that each piece is about one thing and its citation stays precise."""
    units: list[tuple[str, str]] = []  # (separator before it, text)
    for p_index, paragraph in enumerate(re.split(r"\n\s*\n", text.strip())):
        for l_index, line in enumerate(paragraph.split("\n")):
            separator = "\n\n" if p_index and not l_index else "\n"
            if len(line.split()) <= max_words:
                units.append((separator, line))
                continue
            sentences = [s for s in re.split(r"(?<=[.!?])\s+(?=[A-Z0-9])", line) if s.strip()]
            units += [(separator if not i else " ", s) for i, s in enumerate(sentences)]
    pieces: list[str] = []
    current, words = "", 0
    for separator, unit in units:
        size = len(unit.split())
        if current and words + size > max_words:
            pieces.append(current)
            current, words = "", 0
        current = f"{current}{separator}{unit}" if current else unit
        words += size
    if current:
        pieces.append(current)
    return [piece.strip() for piece in pieces if piece.strip()]


def _source_yaml(citation: Citation, section: str | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {"document": citation.document, "file": citation.file}
    if section or citation.section:
        data["section"] = section or citation.section
    if citation.page:
        data["page"] = citation.page
    if citation.url:
        data["url"] = citation.url
    return data


class _Ids:
    """Unique ids within one source file: the same heading twice gets `-2`, `-3`..."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self.used: set[str] = set()

    def make(self, *parts: str) -> str:
        base = "-".join([self.prefix, *(p for p in parts if p)])
        if len(base) > MAX_ID - 4:
            digest = hashlib.sha1(base.encode()).hexdigest()[:6]
            base = f"{base[:MAX_ID - 11].rstrip('-')}-{digest}"
        candidate, number = base, 1
        while candidate in self.used:
            number += 1
            candidate = f"{base}-{number}"
        self.used.add(candidate)
        return candidate


@dataclass
class SourceReport:
    """What one source became: counts by kind, what changed, what was left out."""

    source: str
    title: str
    file: str  # the KB file written
    draft: bool
    counts: dict[str, int] = field(default_factory=dict)
    changes: dict[str, list[str]] = field(default_factory=dict)  # change -> ids
    skipped: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return any(self.changes.get(kind) for kind in ("added", "changed", "removed"))


@dataclass
class ImportReport:
    sources: list[SourceReport]
    published: bool
    written: list[str] = field(default_factory=list)  # KB files written or removed

    @property
    def intents_changed(self) -> bool:
        return any(item.startswith("intent:") for report in self.sources if not report.draft
                   for kind in ("added", "changed", "removed")
                   for item in report.changes.get(kind, []))

    def render(self) -> str:
        lines = []
        for report in self.sources:
            counts = ", ".join(f"{n} {kind}" for kind, n in report.counts.items() if n)
            state = "draft, waiting for review" if report.draft else "published"
            lines.append(f"{report.source} ({report.title}): {counts or 'nothing'} -> "
                         f"{report.file} [{state}]")
            changes = ", ".join(f"{len(ids)} {change}" for change, ids in report.changes.items()
                                if ids)
            lines.append(f"  items: {changes or 'none'}")
            lines += [f"  note: {note}" for note in report.notes]
            lines += [f"  skipped: {item}" for item in report.skipped]
        if not any(report.changed for report in self.sources):
            lines.append("Nothing changed: the knowledge base already holds these files as "
                         "they are.")
        return "\n".join(lines)


def _existing_examples(kb: KnowledgeBase | None, own_file_intents: set[str]) -> dict[str, str]:
    if kb is None:
        return {}
    return {sentence_key(example): intent.name for intent in kb.intents.values()
            if intent.name not in own_file_intents for example in intent.examples}


@dataclass
class Batch:
    """The intents and examples that earlier sources of the same import bring: a later
    source must not take them again (the loader refuses an example of two intents)."""

    examples: dict[str, str] = field(default_factory=dict)  # sentence key -> intent
    intents: set[str] = field(default_factory=set)


def build_document(result: ReadResult, kb: KnowledgeBase | None, own_intents: set[str],
                   own_responses: set[str], sha256: str | None, batch: Batch | None = None
                   ) -> tuple[dict[str, Any], SourceReport]:
    """The YAML document of one source, and its report (without changes yet)."""
    batch = batch or Batch()
    report = SourceReport(source=result.source, title=result.title, file="", draft=False,
                          skipped=[f"{s.what}: {s.why}" for s in result.skipped],
                          notes=list(result.notes))
    ids = _Ids(slug(Path(result.source).stem, 24))
    document: dict[str, Any] = {"imported_from": {"source": result.source,
                                                  "title": result.title}}
    if sha256:
        document["imported_from"]["sha256"] = sha256

    faq: list[dict[str, Any]] = []
    for item in result.questions:
        questions = list(dict.fromkeys(q.strip() for q in (item.question, *item.alternatives)
                                       if q.strip()))
        entry: dict[str, Any] = {
            "id": ids.make(slug(item.question)),
            "category": item.citation.section or result.title,
            "questions": questions,
            "answer": item.answer.strip(),
            "source": _source_yaml(item.citation),
        }
        if questions and entry["answer"]:
            faq.append(entry)

    passages: list[dict[str, Any]] = []
    for passage in result.passages:
        citation = passage.citation
        where = [slug(citation.section or result.title)]
        if citation.page:
            where.append(f"p{citation.page}")
        for piece in split_passage(passage.text):
            passages.append({"id": ids.make(*where), "text": piece,
                             "source": _source_yaml(citation)})

    intents: list[dict[str, Any]] = []
    responses: list[dict[str, Any]] = []
    existing = {**_existing_examples(kb, own_intents), **batch.examples}
    taken_intents = (set(kb.intents) - own_intents if kb else set()) | batch.intents
    taken_responses = set(kb.responses) - own_responses if kb else set()
    seen_examples: dict[str, str] = {}
    for imported in result.intents:
        name = teller_intent_name(imported.name)
        response_id = f"utter_{name}"
        if not imported.answers:
            continue  # the reader listed why in `skipped`
        if name in taken_intents or response_id in taken_responses:
            report.skipped.append(
                f"intent '{name}': the knowledge base already has an intent or response of "
                f"that name (kept the existing one; its {len(imported.examples)} examples "
                "were not imported)")
            continue
        examples = []
        for example in dict.fromkeys(e.strip() for e in imported.examples if e.strip()):
            key = sentence_key(example)
            owner = existing.get(key) or seen_examples.get(key)
            if owner is not None and owner != name:
                report.skipped.append(f"intent '{name}': example '{example}' is already an "
                                      f"example of '{owner}'")
                continue
            seen_examples[key] = name
            examples.append(example)
        if not examples:
            report.skipped.append(f"intent '{name}': no examples left to learn from")
            continue
        intent: dict[str, Any] = {"name": name}
        if imported.description:
            intent["description"] = imported.description
        intent["examples"] = examples
        intents.append(intent)
        batch.intents.add(name)
        batch.examples.update((sentence_key(e), name) for e in examples)
        responses.append({"id": response_id, "intent": name,
                          "text": list(dict.fromkeys(imported.answers))})

    out_of_scope = [text for text in dict.fromkeys(t.strip() for t in result.out_of_scope)
                    if text and sentence_key(text) not in existing
                    and sentence_key(text) not in seen_examples]

    for key, items in (("intents", intents), ("responses", responses), ("faq", faq),
                       ("passages", passages), ("out_of_scope", out_of_scope)):
        if items:
            document[key] = items
    report.counts = {"FAQ entries": len(faq), "passages": len(passages),
                     "intents": len(intents), "out-of-scope examples": len(out_of_scope)}
    return document, report


def dump(document: Mapping[str, Any], source: str) -> str:
    header = (f"# Imported by `teller import` from {source}. Importing it again replaces this\n"
              "# file (same ids: changed items change, removed ones go): edit the source\n"
              "# document rather than this file.\n")
    body = yaml.safe_dump(dict(document), sort_keys=False, allow_unicode=True, width=100)
    return header + body


def _items(text: str | None) -> dict[str, str]:
    """`kind:id` -> the item's YAML, for comparing an old and a new file."""
    if not text:
        return {}
    data = yaml.safe_load(text) or {}
    items: dict[str, str] = {}
    for kind, key in (("faq", "id"), ("passages", "id"), ("intents", "name"),
                      ("responses", "id")):
        for entry in data.get(kind) or []:
            label = {"faq": "faq", "passages": "passage", "intents": "intent",
                     "responses": "response"}[kind]
            items[f"{label}:{entry[key]}"] = yaml.safe_dump(entry, sort_keys=True)
    for example in data.get("out_of_scope") or []:
        items[f"out_of_scope:{example}"] = example
    return items


def compare(old: str | None, new: str | None) -> dict[str, list[str]]:
    before, after = _items(old), _items(new)
    return {
        "added": sorted(after.keys() - before.keys()),
        "changed": sorted(k for k in after.keys() & before.keys() if after[k] != before[k]),
        "removed": sorted(before.keys() - after.keys()),
        "unchanged": sorted(k for k in after.keys() & before.keys() if after[k] == before[k]),
    }


def read_text(path: Path) -> str | None:
    return path.read_text(encoding="utf-8") if path.is_file() else None


def _owned(text: str | None) -> tuple[set[str], set[str]]:
    data = yaml.safe_load(text) if text else None
    data = data or {}
    return ({i["name"] for i in data.get("intents") or []},
            {r["id"] for r in data.get("responses") or []})


def _check_drafts_publishable(folder: Path, copy: Path, files: Mapping[str, str | None],
                              bank_name: str | None) -> None:
    """The drafts this change writes must be publishable: load the scratch `copy` once more
    with each of them in place of its live file. Raises KnowledgeBaseError naming `folder`."""
    promoted = {name.removesuffix(DRAFT_SUFFIX) + ".yaml": content
                for name, content in files.items()
                if name.endswith(DRAFT_SUFFIX) and content is not None}
    if not promoted:
        return
    try:
        with checked_copy(copy, promoted, bank_name):
            pass
    except KnowledgeBaseError as exc:
        raise KnowledgeBaseError(exc.problems, folder) from None


def write_files(folder: Path, files: Mapping[str, str | None], bank_name: str | None
                ) -> KnowledgeBase:
    """Validate the whole KB with `files` (name -> content, None: remove; the drafts among
    them as if published), then put each file in place in one rename. Raises
    KnowledgeBaseError with nothing written."""
    with checked_copy(folder, files, bank_name) as (copy, knowledge):
        _check_drafts_publishable(folder, copy, files, bank_name)
        for name, content in files.items():
            target = folder / name
            if content is None:
                target.unlink(missing_ok=True)
            else:
                replace_file(copy / name, target)
    return knowledge


def plan(folder: Path, results: Iterable[tuple[ReadResult, str | None]], publish: bool,
         kb: KnowledgeBase | None) -> tuple[dict[str, str | None], list[SourceReport]]:
    """The files to write for `results` (each with its source's sha256) and their reports."""
    files: dict[str, str | None] = {}
    reports = []
    batch = Batch()
    for result, sha256 in results:
        live, draft = folder / live_name(result.source), folder / draft_name(result.source)
        live_text, draft_text = read_text(live), read_text(draft)
        own_intents, own_responses = _owned(live_text)
        document, report = build_document(result, kb, own_intents, own_responses, sha256,
                                          batch)
        content = dump(document, result.source)
        if publish or content == live_text:  # the same as what is live: nothing to review
            report.file, report.draft = live.name, False
            report.changes = compare(live_text, content)
            if content != live_text:
                files[live.name] = content
            if draft_text is not None:
                files[draft.name] = None
        else:
            report.file, report.draft = draft.name, True
            report.changes = compare(draft_text if draft_text is not None else live_text,
                                     content)
            if content != draft_text:
                files[draft.name] = content
        reports.append(report)
    return files, reports


def import_results(folder: Path, results: list[tuple[ReadResult, str | None]], publish: bool,
                   bank_name: str | None, current: Callable[[], KnowledgeBase | None]
                   ) -> tuple[ImportReport, KnowledgeBase | None]:
    """Write what was read into the KB folder (validated whole first). Returns the report and
    the new live knowledge base (None when no file changed)."""
    files, reports = plan(folder, results, publish, current())
    report = ImportReport(reports, publish, written=sorted(files))
    if not files:
        return report, None
    return report, write_files(folder, files, bank_name)


__all__ = ["ImportReport", "SourceReport", "import_results", "write_files"]
