"""Imports waiting for review (`*.draft.yaml`, written by `teller import` without
--publish): list them with what publishing would change, publish one, drop one or an item."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bot.kb.importers.writer import compare, draft_name, dump, read_text, write_files
from bot.kb.loader import DRAFT_SUFFIX, KbProblem, KnowledgeBaseError
from bot.kb.models import KnowledgeBase


@dataclass(frozen=True)
class Draft:
    """An import waiting for review: its file, source and what publishing it would change."""

    file: str
    source: str
    title: str
    items: dict[str, str]  # kind:id -> a one-line summary
    changes: dict[str, list[str]]


def _summary(entry: dict[str, Any]) -> str:
    if "questions" in entry:
        return f"{entry['questions'][0]} -> {entry['answer'][:120]}"
    if "examples" in entry:
        return f"{len(entry['examples'])} examples: {'; '.join(entry['examples'][:3])}"
    if "text" in entry and isinstance(entry["text"], str):
        source = entry.get("source") or {}
        where = ", ".join(str(source[k]) for k in ("section", "page") if source.get(k))
        return f"[{where}] {entry['text'][:140]}"
    return str(entry.get("text", ""))[:140]


def list_drafts(folder: Path) -> list[Draft]:
    drafts = []
    for path in sorted(folder.glob(f"*{DRAFT_SUFFIX}")):
        text = path.read_text(encoding="utf-8")
        data = yaml.safe_load(text) or {}
        origin = data.get("imported_from") or {}
        items = {}
        for kind, key, label in (("faq", "id", "faq"), ("passages", "id", "passage"),
                                 ("intents", "name", "intent")):
            for entry in data.get(kind) or []:
                items[f"{label}:{entry[key]}"] = _summary(entry)
        live = folder / path.name.replace(DRAFT_SUFFIX, ".yaml")
        drafts.append(Draft(path.name, str(origin.get("source", path.name)),
                            str(origin.get("title", "")), items, compare(read_text(live), text)))
    return drafts


def _draft_path(folder: Path, name: str) -> Path:
    """A draft by its file name or its source's name."""
    for candidate in (name, draft_name(name), f"{name}{DRAFT_SUFFIX}"):
        path = folder / candidate
        if candidate.endswith(DRAFT_SUFFIX) and path.is_file() and path.parent == folder:
            return path
    names = ", ".join(d.file for d in list_drafts(folder)) or "none"
    raise KnowledgeBaseError([KbProblem(name, "", "", f"no such draft (drafts: {names})")],
                             folder)


def publish_draft(folder: Path, name: str, bank_name: str | None) -> KnowledgeBase:
    """Make a draft live (it replaces the live file of the same source)."""
    path = _draft_path(folder, name)
    live = path.name.replace(DRAFT_SUFFIX, ".yaml")
    return write_files(folder, {live: path.read_text(encoding="utf-8"), path.name: None},
                       bank_name)


def drop_draft(folder: Path, name: str, bank_name: str | None,
               item: str | None = None) -> KnowledgeBase:
    """Delete a draft, or only one of its items (`faq:<id>`, `passage:<id>`,
    `intent:<name>`; an intent goes with its response)."""
    path = _draft_path(folder, name)
    if item is None:
        return write_files(folder, {path.name: None}, bank_name)
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    kind, _, key = item.partition(":")
    section, field_name = {"faq": ("faq", "id"), "passage": ("passages", "id"),
                           "intent": ("intents", "name")}.get(kind, ("", ""))
    entries = data.get(section) or []
    kept = [e for e in entries if e.get(field_name) != key]
    if not section or len(kept) == len(entries):
        raise KnowledgeBaseError([KbProblem(path.name, item, "", "no such item in the draft")],
                                 folder)
    data[section] = kept
    if kind == "intent":
        data["responses"] = [r for r in data.get("responses") or [] if r.get("intent") != key]
    data = {k: v for k, v in data.items() if v}
    origin = data.get("imported_from") or {}
    return write_files(folder, {path.name: dump(data, str(origin.get("source", name)))},
                       bank_name)
