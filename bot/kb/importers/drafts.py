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


ITEM_SECTIONS = {"faq": ("faq", "id"), "passage": ("passages", "id"),
                 "intent": ("intents", "name")}


def _locate(folder: Path, name: str, item: str) -> tuple[Path, dict[str, Any], str, int]:
    """The draft file, its data, the item's section and its index there."""
    path = _draft_path(folder, name)
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    kind, _, key = item.partition(":")
    section, field_name = ITEM_SECTIONS.get(kind, ("", ""))
    entries = data.get(section) or []
    for index, entry in enumerate(entries):
        if entry.get(field_name) == key:
            return path, data, section, index
    raise KnowledgeBaseError([KbProblem(path.name, item, "", "no such item in the draft "
                                        "(write faq:<id>, passage:<id> or intent:<name>)")],
                             folder)


def _rewrite(folder: Path, path: Path, data: dict[str, Any], bank_name: str | None
             ) -> KnowledgeBase:
    data = {k: v for k, v in data.items() if v}
    origin = data.get("imported_from") or {}
    return write_files(folder, {path.name: dump(data, str(origin.get("source", path.name)))},
                       bank_name)


def draft_item_yaml(folder: Path, name: str, item: str) -> str:
    """One item of a draft as YAML, to review or edit (an intent with its response)."""
    _, data, section, index = _locate(folder, name, item)
    shown: dict[str, Any] = {section: [data[section][index]]}
    if section == "intents":
        key = data[section][index]["name"]
        shown["responses"] = [r for r in data.get("responses") or [] if r.get("intent") == key]
    return yaml.safe_dump(shown, sort_keys=False, allow_unicode=True, width=100)


def save_draft_item(folder: Path, name: str, item: str, text: str, bank_name: str | None
                    ) -> KnowledgeBase:
    """Replace one item of a draft with an edited version (YAML as `draft_item_yaml` gives
    it). The draft must stay publishable: the whole KB is validated with it as if published,
    and nothing is written when it is not."""
    path, data, section, index = _locate(folder, name, item)
    try:
        edited = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark else ""
        raise KnowledgeBaseError([KbProblem(path.name, item, "", f"YAML syntax error{where}: "
                                            f"{getattr(exc, 'problem', exc)}")], folder) from None
    entries = edited.get(section) if isinstance(edited, dict) else None
    if not isinstance(entries, list) or len(entries) != 1 or not isinstance(entries[0], dict):
        raise KnowledgeBaseError([KbProblem(path.name, item, section, "write exactly one "
                                            f"entry under '{section}:'")], folder)
    data[section][index] = entries[0]
    if section == "intents":
        key = data[section][index].get("name")
        old = item.partition(":")[2]
        others = [r for r in data.get("responses") or [] if r.get("intent") != old]
        data["responses"] = others + list(edited.get("responses") or [])
        if key != old:
            data["responses"] = [{**r, "intent": key} if r.get("intent") == old else r
                                 for r in data["responses"]]
    return _rewrite(folder, path, data, bank_name)


def drop_draft(folder: Path, name: str, bank_name: str | None,
               item: str | None = None) -> KnowledgeBase:
    """Delete a draft, or only one of its items (`faq:<id>`, `passage:<id>`,
    `intent:<name>`; an intent goes with its response)."""
    if item is None:
        path = _draft_path(folder, name)
        return write_files(folder, {path.name: None}, bank_name)
    path, data, section, index = _locate(folder, name, item)
    removed = data[section].pop(index)
    if section == "intents":
        data["responses"] = [r for r in data.get("responses") or []
                             if r.get("intent") != removed.get("name")]
    return _rewrite(folder, path, data, bank_name)
