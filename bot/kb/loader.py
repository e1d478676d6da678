"""Load a knowledge-base folder, validate it whole, and report every problem at once.

Each problem names the file, the entry and the field, so a content editor can fix a broken
pull request without reading Python.

Why this module is long: every rule that spans entries (unique ids, one answer per intent,
payloads that name real targets, examples owned by one intent) is checked here, in one pass
that reports all problems together; splitting it would scatter the rules a content editor
meets.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Generic, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from bot.errors import TellerError
from bot.kb.locales import LOCALES_DIR, MainEntries, check_locale, localize, read_locales
from bot.kb.models import FaqEntry, Form, Intent, KbMetadata, KnowledgeBase, Passage, Response
from bot.kb.tool_forms import with_tool_schema
from bot.payloads import parse_payload
from bot.text import sentence_key
from knowledge_base import BUILTIN_CORPORA, BUILTIN_OUT_OF_SCOPE_CORPORA

SECTIONS: dict[str, type[BaseModel]] = {
    "intents": Intent, "faq": FaqEntry, "responses": Response, "forms": Form,
    "passages": Passage,
}
# `imported_from`: the source file of an imported file (bot.kb.importers.writer).
RESERVED_SECTIONS = {"tools", "imported_from"}
OUT_OF_SCOPE = "out_of_scope"
EntryT = TypeVar("EntryT", Intent, FaqEntry, Response, Form, Passage)
METADATA_FILE = "kb.yaml"
# Imported content waiting for review (`teller import` without --publish): shared with the
# other replicas like every KB file, but not served until published.
DRAFT_SUFFIX = ".draft.yaml"


@dataclass(frozen=True)
class KbProblem:
    file: str
    entry: str
    field: str
    message: str

    def __str__(self) -> str:
        where = ": ".join(part for part in (self.file, self.entry) if part)
        if self.field:
            where += f", field '{self.field}'"
        return f"{where}: {self.message}"


class KnowledgeBaseError(TellerError):
    """The knowledge base is invalid; `problems` lists every problem found."""

    http_status = 422

    def __init__(self, problems: list[KbProblem], folder: Path | None = None) -> None:
        self.problems = problems
        head = f"knowledge base {folder} is invalid" if folder else "knowledge base is invalid"
        lines = "\n".join(f"  - {p}" for p in problems[:50])
        more = f"\n  ... and {len(problems) - 50} more" if len(problems) > 50 else ""
        super().__init__(f"{head} ({len(problems)} problem(s)):\n{lines}{more}")


@dataclass(frozen=True)
class _Located(Generic[EntryT]):
    """An entry with the file it came from, for error messages."""

    file: str
    entry: EntryT


@dataclass
class _Parsed:
    intents: list[_Located[Intent]] = field(default_factory=list)
    faq: list[_Located[FaqEntry]] = field(default_factory=list)
    responses: list[_Located[Response]] = field(default_factory=list)
    forms: list[_Located[Form]] = field(default_factory=list)
    passages: list[_Located[Passage]] = field(default_factory=list)
    out_of_scope: list[tuple[str, str]] = field(default_factory=list)  # (file, example)

    def extend(self, other: _Parsed) -> None:
        self.intents += other.intents
        self.faq += other.faq
        self.responses += other.responses
        self.forms += other.forms
        self.passages += other.passages
        self.out_of_scope += other.out_of_scope


def _entry_label(section: str, raw: Any, index: int) -> str:
    if isinstance(raw, dict):
        key = raw.get("name") if section in ("intents", "forms") else raw.get("id")
        if isinstance(key, str) and key:
            return f"{section}[{index}] '{key}'"
    return f"{section}[{index}]"


def read_yaml(path: Path, problems: list[KbProblem], name: str | None = None
              ) -> dict[str, Any] | None:
    """A YAML file's top-level mapping; None (and a problem) when it is not one."""
    name = name or path.name
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        problems.append(KbProblem(name, "", "", f"not valid UTF-8 ({exc.reason})"))
        return None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        problems.append(KbProblem(name, "", "", f"YAML syntax error{where}: {problem}"))
        return None
    if data is None:
        return {}
    if not isinstance(data, dict):
        problems.append(KbProblem(name, "", "", "top level must be a mapping of sections"))
        return None
    return data


def _parse_file(path: Path, problems: list[KbProblem]) -> _Parsed:
    data = read_yaml(path, problems)
    parsed = _Parsed()
    if data is None:
        return parsed
    for section, raw_entries in data.items():
        if section in RESERVED_SECTIONS:
            continue
        if section == OUT_OF_SCOPE:
            _parse_out_of_scope(path.name, raw_entries, parsed, problems)
            continue
        model = SECTIONS.get(section)
        if model is None:
            known = ", ".join([*SECTIONS, OUT_OF_SCOPE, *sorted(RESERVED_SECTIONS)])
            problems.append(
                KbProblem(path.name, section, "", f"unknown section; expected one of: {known}")
            )
            continue
        if not isinstance(raw_entries, list):
            problems.append(KbProblem(path.name, section, "", "must be a list of entries"))
            continue
        for index, raw in enumerate(raw_entries):
            label = _entry_label(section, raw, index)
            if section == "forms":  # a form calling a Teller tool takes its slots' limits
                raw, found = with_tool_schema(raw)
                problems += [KbProblem(path.name, *problem) for problem in found]
            try:
                entry: Any = model.model_validate(raw)
                getattr(parsed, section).append(_Located(path.name, entry))
            except ValidationError as exc:
                for err in exc.errors():
                    loc = ".".join(str(part) for part in err["loc"])
                    problems.append(KbProblem(path.name, label, loc, err["msg"]))
    return parsed


def _parse_out_of_scope(
    file: str, raw: Any, parsed: _Parsed, problems: list[KbProblem]
) -> None:
    """`out_of_scope:` is a plain list of messages the assistant must not answer."""
    if not isinstance(raw, list):
        problems.append(KbProblem(file, OUT_OF_SCOPE, "", "must be a list of example messages"))
        return
    for index, item in enumerate(raw):
        if not isinstance(item, str) or not item.strip():
            problems.append(
                KbProblem(file, f"{OUT_OF_SCOPE}[{index}]", "", "must be a non-empty string")
            )
        else:
            parsed.out_of_scope.append((file, item.strip()))


def _check_unique(
    items: Iterable[_Located[Any]], key: str, kind: str, problems: list[KbProblem]
) -> None:
    seen: dict[str, str] = {}
    for item in items:
        value = getattr(item.entry, key)
        if value in seen:
            problems.append(
                KbProblem(item.file, f"{kind} '{value}'", key, f"duplicate; also in {seen[value]}")
            )
        else:
            seen[value] = item.file


def _check_payload(
    payload: str, kb_intents: set[str], faq_ids: set[str], form_names: set[str], file: str,
    label: str, problems: list[KbProblem], key: str = "buttons.payload",
) -> None:
    target = parse_payload(payload)
    if target is None:
        if key == "offer.payload":
            problems.append(KbProblem(file, label, key, f"'{payload}' is not a payload: write "
                                      "/<intent>, /faq:<id> or /form:<name>"))
        return
    known = {"faq": faq_ids, "form": form_names, "intent": kb_intents}[target.kind]
    if target.name not in known:
        what = {"faq": "FAQ entry", "form": "form", "intent": "intent"}[target.kind]
        problems.append(KbProblem(file, label, key, f"no {what} '{target.name}'"))


def _cross_check(parsed: _Parsed, problems: list[KbProblem]) -> None:
    _check_unique(parsed.intents, "name", "intent", problems)
    _check_unique(parsed.faq, "id", "FAQ entry", problems)
    _check_unique(parsed.responses, "id", "response", problems)
    _check_unique(parsed.forms, "name", "form", problems)
    _check_unique(parsed.passages, "id", "passage", problems)
    names = {item.entry.name for item in parsed.intents}
    faq_ids = {item.entry.id for item in parsed.faq}
    form_names = {item.entry.name for item in parsed.forms}

    answered_by: dict[str, list[str]] = {name: [] for name in names}
    response_intents = {item.entry.intent for item in parsed.responses if item.entry.intent}
    answering: list[_Located[FaqEntry] | _Located[Response]] = [*parsed.faq, *parsed.responses]
    for item in answering:
        entry = item.entry
        kind = "FAQ entry" if isinstance(entry, FaqEntry) else "response"
        label = f"{kind} '{entry.id}'"
        if entry.intent is None:
            pass
        elif entry.intent not in names:
            problems.append(
                KbProblem(item.file, label, "intent", f"no intent named '{entry.intent}'")
            )
        else:
            answered_by[entry.intent].append(f"{label} in {item.file}")
        if isinstance(entry, Response):
            for button in entry.buttons:
                _check_payload(button.payload, names, faq_ids, form_names, item.file, label,
                               problems)
        if entry.offer is not None:
            _check_payload(entry.offer.payload, names, faq_ids, form_names, item.file, label,
                           problems, key="offer.payload")

    # A form answers its intent (an FAQ entry may also name it: it is then what retrieval
    # and clarification buttons show for it).
    started_by: dict[str, str] = {}
    for form_item in parsed.forms:
        form = form_item.entry
        label = f"form '{form.name}'"
        if form.intent not in names:
            problems.append(KbProblem(form_item.file, label, "intent",
                                      f"no intent named '{form.intent}'"))
        elif form.intent in started_by:
            problems.append(KbProblem(form_item.file, label, "intent",
                                      f"intent '{form.intent}' already starts form "
                                      f"'{started_by[form.intent]}'"))
        started_by[form.intent] = form.name
        if form.intent in response_intents:
            problems.append(KbProblem(form_item.file, label, "intent",
                                      f"a response also answers '{form.intent}'; the form "
                                      "replaces it, remove the response's intent"))

    files = {item.entry.name: item.file for item in parsed.intents}
    for name, answers in sorted(answered_by.items()):
        if not answers and name in started_by:
            continue
        if not answers:
            problems.append(
                KbProblem(files[name], f"intent '{name}'", "",
                          "nothing answers it: add an FAQ entry or a response with "
                          f"'intent: {name}'")
            )
        elif len(answers) > 1:
            problems.append(
                KbProblem(files[name], f"intent '{name}'", "",
                          f"answered more than once ({'; '.join(answers)}); keep one")
            )

    owner: dict[str, str] = {}
    for located in parsed.intents:
        intent = located.entry
        for example in intent.examples:
            key = sentence_key(example)
            other = owner.get(key)
            if other is not None and other != intent.name:
                problems.append(
                    KbProblem(located.file, f"intent '{intent.name}'", "examples",
                              f"example '{example}' is also an example of '{other}'")
                )
            owner[key] = intent.name
    for file, example in parsed.out_of_scope:
        other = owner.get(sentence_key(example))
        if other is not None:
            problems.append(KbProblem(file, OUT_OF_SCOPE, "",
                                      f"'{example}' is also an example of intent '{other}'"))


def resolve_corpora(folder: Path, names: list[str], problems: list[KbProblem],
                    shipped: dict[str, Path] = BUILTIN_CORPORA,
                    setting: str = "training_corpora") -> list[Path]:
    """The files behind `training_corpora` (or `out_of_scope_corpora`, with its own shipped
    names): a corpus shipped with Teller, or a CSV/JSONL path relative to the KB folder."""
    paths = []
    for name in names:
        path = shipped.get(name) or (folder / name)
        if not path.is_file():
            problems.append(KbProblem(
                METADATA_FILE, "metadata", setting,
                f"'{name}' is neither a corpus shipped with Teller ({', '.join(sorted(shipped))})"
                f" nor a file in {folder}; fix the name or the path (relative to the KB folder)"))
            continue
        paths.append(path.resolve())
    return paths


def corpora_digest(paths: list[Path]) -> list[str]:
    """Content hashes of the corpora: a changed corpus makes the trained model stale."""
    return [hashlib.sha256(path.read_bytes()).hexdigest() for path in paths]


def kb_files(folder: Path) -> list[Path]:
    """The YAML files the assistant serves (drafts and `kb.yaml` excluded)."""
    return sorted(
        p for p in folder.iterdir()
        if p.is_file() and p.suffix in {".yaml", ".yml"} and p.name != METADATA_FILE
        and not p.name.endswith(DRAFT_SUFFIX)
    )


def draft_files(folder: Path) -> list[Path]:
    """Imported content waiting for review (`*.draft.yaml`)."""
    return sorted(p for p in folder.glob(f"*{DRAFT_SUFFIX}") if p.is_file())


def load_knowledge_base(folder: Path, bank_name: str | None = None) -> KnowledgeBase:
    """Read and validate every YAML file in `folder`.

    Raises `KnowledgeBaseError` listing every problem (file, entry, field) when invalid.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise KnowledgeBaseError(
            [KbProblem(str(folder), "", "", "folder not found; set TELLER_KB_DIR to a KB folder")]
        )
    problems: list[KbProblem] = []
    meta_raw: dict[str, Any] = {}
    meta_path = folder / METADATA_FILE
    if meta_path.exists():
        meta_raw = read_yaml(meta_path, problems) or {}
    try:
        metadata = KbMetadata.model_validate(meta_raw)
    except ValidationError as exc:
        for err in exc.errors():
            loc = ".".join(str(p) for p in err["loc"])
            problems.append(KbProblem(METADATA_FILE, "metadata", loc, err["msg"]))
        metadata = KbMetadata()
    if bank_name:
        metadata = metadata.model_copy(update={"bank_name": bank_name})

    corpora = resolve_corpora(folder, metadata.training_corpora, problems)
    out_of_scope_corpora = resolve_corpora(
        folder, metadata.out_of_scope_corpora, problems, BUILTIN_OUT_OF_SCOPE_CORPORA,
        "out_of_scope_corpora")
    files = kb_files(folder)
    if not files:
        problems.append(
            KbProblem(str(folder), "", "", "no *.yaml files with intents, faq or responses; "
                      "start one with `teller init --kb DIR --bank-name NAME`")
        )
    merged = _Parsed()
    for path in files:
        merged.extend(_parse_file(path, problems))
    _cross_check(merged, problems)
    locales = read_locales(folder, problems)
    main_entries = MainEntries(
        intents={i.entry.name: (i.file, i.entry) for i in merged.intents},
        faq={f.entry.id: (f.file, f.entry) for f in merged.faq},
        responses={r.entry.id: (r.file, r.entry) for r in merged.responses},
        forms={f.entry.name: (f.file, f.entry) for f in merged.forms})
    for locale in locales:
        if locale.code == metadata.language:
            problems.append(KbProblem(f"{LOCALES_DIR}/{locale.code}", "", "", "this is the KB's "
                                      "main language (kb.yaml `language`); write it in the main "
                                      "files"))
        else:
            check_locale(locale, main_entries, problems)
    if not merged.intents and not problems:
        problems.append(KbProblem(str(folder), "", "intents", "the KB defines no intents"))
    if problems:
        raise KnowledgeBaseError(problems, folder)

    intents = {i.entry.name: i.entry for i in merged.intents}
    faq = {f.entry.id: f.entry for f in merged.faq}
    responses = {r.entry.id: r.entry for r in merged.responses}
    forms = {f.entry.name: f.entry for f in merged.forms}
    passages = {p.entry.id: p.entry for p in merged.passages}
    passages_hash = KnowledgeBase.hash_content(
        {k: v.model_dump() for k, v in sorted(passages.items())})
    # Separate hashes so that editing a response's wording does not retrain the model, and
    # editing an FAQ answer rebuilds only the index.
    intents_hash = KnowledgeBase.hash_content(
        {k: v.model_dump() for k, v in sorted(intents.items())}
    )
    faq_hash = KnowledgeBase.hash_content({k: v.model_dump() for k, v in sorted(faq.items())})
    out_of_scope = [example for _, example in merged.out_of_scope]
    trained_on: dict[str, Any] = {"intents": intents_hash, "oos": out_of_scope}
    if corpora:  # only then, so that KBs without corpora keep their models
        trained_on["corpora"] = corpora_digest(corpora)
    if out_of_scope_corpora:
        trained_on["out_of_scope_corpora"] = corpora_digest(out_of_scope_corpora)
    intents_hash = KnowledgeBase.hash_content(trained_on)
    content_hash = KnowledgeBase.hash_content(
        {
            "metadata": metadata.model_dump(),
            "intents": intents_hash,
            "faq": faq_hash,
            "responses": {k: v.model_dump() for k, v in sorted(responses.items())},
            "forms": {k: v.model_dump() for k, v in sorted(forms.items())},
            "passages": passages_hash,
        }
    )
    kb = KnowledgeBase(
        metadata=metadata,
        intents=intents,
        faq=faq,
        responses=responses,
        content_hash=content_hash,
        intents_hash=intents_hash,
        faq_hash=faq_hash,
        faq_by_intent={f.intent: f for f in faq.values() if f.intent},
        response_by_intent={r.intent: r for r in responses.values() if r.intent},
        out_of_scope_examples=out_of_scope,
        corpora=tuple(corpora),
        out_of_scope_corpora=tuple(out_of_scope_corpora),
        forms=forms,
        form_by_intent={f.intent: f for f in forms.values()},
        passages=passages,
        passages_hash=passages_hash,
    )
    if not locales:
        return kb
    views = {locale.code: localize(kb, locale) for locale in locales}
    content_hash = KnowledgeBase.hash_content(
        [kb.content_hash, *(view.content_hash for view in views.values())])
    return replace(kb, locales=views, content_hash=content_hash)
