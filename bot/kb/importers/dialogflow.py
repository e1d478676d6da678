"""Read a Dialogflow ES agent export (the ZIP from Settings > Export and Import, or its
unpacked folder) as Teller intents.

Each top-level intent becomes its training phrases and text responses in the agent's default
language. Webhooks, follow-up intents (contexts), rich messages and slot filling are code or
conversation state; they are listed in `skipped`. The ZIP is read in memory, member by
member, with limits, so a hostile archive cannot write files or exhaust memory.
"""

from __future__ import annotations

import json
import re
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from bot.kb.importers.base import (
    ImportedIntent,
    ReadResult,
    Skipped,
    UnreadableSource,
    check_size,
    clean_text,
    teller_intent_name,
)

# An ES export has one JSON file per intent and language: thousands of members or tens of
# megabytes means the wrong file, or a ZIP bomb.
MAX_MEMBERS = 5000
MAX_UNPACKED_BYTES = 50 * 1024 * 1024
WELCOME_INTENT = "Default Welcome Intent"
FALLBACK_INTENT = "Default Fallback Intent"
ES_ONLY = ("only Dialogflow ES exports (intents/*.json with *_usersays_*.json) can be "
           "imported")
_USERSAYS = re.compile(r"^(?P<stem>.+)_usersays_(?P<lang>[A-Za-z]{2,3}(?:-[A-Za-z0-9]+)*)\.json$")
_TEXT_TYPES = (0, "0", "message", "text")
_MESSAGE_KINDS = {"1": "cards", "2": "quick replies", "3": "images", "4": "custom payloads"}


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _unsafe_member(name: str) -> bool:
    parts = re.split(r"[/\\]", name)
    return (name.startswith(("/", "\\")) or bool(re.match(r"^[A-Za-z]:", name))
            or ".." in parts or "\x00" in name)


def _zip_root(names: list[str]) -> str | None:
    """The folder (`""` or `"MyAgent/"`) holding agent.json, shallowest first."""
    roots = sorted((n[: -len("agent.json")] for n in names
                    if PurePosixPath(n).name == "agent.json"), key=lambda r: r.count("/"))
    return roots[0] if roots else None


def is_dialogflow_export(path: Path) -> bool:
    """A Dialogflow export: a .zip or a folder with agent.json and intents/. (A CX export
    matches too, so that reading it says why it cannot be imported.)"""
    try:
        if path.is_dir():
            return (path / "agent.json").is_file() and (path / "intents").is_dir()
        if not path.is_file() or not zipfile.is_zipfile(path):
            return False
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
    except (OSError, zipfile.BadZipFile):
        return False
    root = _zip_root(names)
    return root is not None and any(n.startswith(root + "intents/") for n in names)


@dataclass
class _Export:
    """The files of an export as member names (posix, as in the ZIP) and a reader."""

    names: list[str]
    root: str  # the prefix of agent.json's folder
    read: Callable[[str], bytes]


@contextmanager
def _open_zip(path: Path) -> Iterator[_Export]:
    check_size(path.name, path.stat().st_size)
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile as exc:
        raise UnreadableSource(path.name, "not a valid ZIP file; export the agent again in "
                               "the Dialogflow ES console (Settings > Export and Import > "
                               "Export as ZIP)") from exc
    with archive:
        infos = [i for i in archive.infolist() if not i.is_dir()]
        if len(archive.infolist()) > MAX_MEMBERS:
            raise UnreadableSource(path.name, f"the ZIP has {len(archive.infolist())} entries; "
                                   f"the limit is {MAX_MEMBERS}. A Dialogflow ES export is "
                                   "much smaller: check that this is the agent's export")
        for info in archive.infolist():
            if _unsafe_member(info.filename):
                raise UnreadableSource(path.name, f"the ZIP has an unsafe entry name "
                                       f"{info.filename!r} (absolute, or with '..'); it is "
                                       "not read. Export the agent again from Dialogflow")
        total = sum(i.file_size for i in infos)
        if total > MAX_UNPACKED_BYTES:
            raise UnreadableSource(path.name, f"the ZIP unpacks to {total / 1024 / 1024:.1f} "
                                   f"MB; the limit is {MAX_UNPACKED_BYTES // 1024 // 1024} MB. "
                                   "A Dialogflow ES export is much smaller: check that this is "
                                   "the agent's export")
        by_name = {i.filename: i for i in infos}
        budget = [MAX_UNPACKED_BYTES]

        def read(name: str) -> bytes:
            info = by_name[name]
            try:
                with archive.open(info) as member:
                    data = member.read(info.file_size + 1)
            except (RuntimeError, zipfile.BadZipFile, OSError) as exc:  # encrypted, corrupt
                raise UnreadableSource(name, f"cannot be read from {path.name} ({exc}); "
                                       "export the agent again") from exc
            budget[0] -= len(data)
            if len(data) > info.file_size or budget[0] < 0:
                raise UnreadableSource(name, f"unpacks to more than {path.name} declares; "
                                       "the ZIP is damaged or hostile, export the agent again")
            return data

        names = [i.filename for i in infos]
        yield _Export(names, _zip_root(names) or "", read)


def _open_folder(folder: Path) -> _Export:
    names: list[str] = []
    for path in folder.rglob("*"):
        if path.is_file() and not any(p.startswith(".") for p in path.relative_to(folder).parts):
            names.append(path.relative_to(folder).as_posix())
            if len(names) > MAX_MEMBERS:
                raise UnreadableSource(folder.name, f"more than {MAX_MEMBERS} files; give the "
                                       "folder of one Dialogflow ES export")

    def read(name: str) -> bytes:
        path = folder / name
        check_size(name, path.stat().st_size)
        return path.read_bytes()

    return _Export(sorted(names), "", read)


def _json(export: _Export, name: str) -> Any:
    try:
        text = export.read(name).decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UnreadableSource(name, f"not UTF-8 text (byte {exc.start}); export the agent "
                                     "again") from exc
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise UnreadableSource(name, f"invalid JSON at line {exc.lineno}, column {exc.colno}: "
                                     f"{exc.msg}; fix the file or export the agent "
                                     "again") from exc


def read_dialogflow_agent(path: Path) -> ReadResult:
    """Read the top-level intents of a Dialogflow ES export (a .zip or its folder)."""
    path = path.resolve()
    if path.is_dir():
        return _read_export(_open_folder(path), path.name, path.name)
    if not path.is_file():
        raise UnreadableSource(path.name, "no such file or folder; give the Dialogflow ES "
                                          "export (.zip) or the folder it unpacks to")
    with _open_zip(path) as export:
        return _read_export(export, path.name, path.stem)


def _read_export(export: _Export, source: str, default_title: str) -> ReadResult:
    root = export.root
    agent_file = root + "agent.json"
    if agent_file not in export.names:
        raise UnreadableSource(source, f"no agent.json found; {ES_ONLY} (in the Dialogflow ES "
                                       "console: Settings > Export and Import > Export as ZIP)")
    inside = [n[len(root):] for n in export.names if n.startswith(root)]
    if any(n.startswith("flows/") for n in inside):
        raise UnreadableSource(source, f"looks like a Dialogflow CX export (flows/); {ES_ONLY}")
    if any(n.startswith("intents/") and n.count("/") > 1 for n in inside):
        raise UnreadableSource(source, "looks like a Dialogflow CX export (a folder per intent "
                                       f"under intents/); {ES_ONLY}")
    agent = _json(export, agent_file)
    language = agent.get("language") if isinstance(agent, dict) else None
    if not isinstance(language, str) or not language:
        cx = isinstance(agent, dict) and "defaultLanguageCode" in agent
        raise UnreadableSource(agent_file, "has no 'language' field, so it is not a Dialogflow "
                               "ES agent" + (" (its 'defaultLanguageCode' is Dialogflow CX's)"
                                             if cx else "") + f"; {ES_ONLY}")
    title = agent.get("displayName")
    result = ReadResult(source=source, title=title if isinstance(title, str) and title.strip()
                        else default_title)

    intent_files: list[str] = []
    usersays: dict[str, dict[str, str]] = {}  # intent file stem -> language -> member
    for name in inside:
        if not name.startswith("intents/") or not name.endswith(".json"):
            continue
        file_name = name[len("intents/"):]
        match = _USERSAYS.match(file_name)
        if match:
            usersays.setdefault(match["stem"], {})[match["lang"]] = root + name
        else:
            intent_files.append(root + name)
    other_languages = sorted({lang for langs in usersays.values() for lang in langs
                              if lang != language})
    merged: dict[str, ImportedIntent] = {}
    for member in sorted(intent_files):
        stem = PurePosixPath(member).name[: -len(".json")]
        phrases_file = usersays.get(stem, {}).get(language)
        intent = _read_intent(export, member, phrases_file, language, result)
        if intent is None:
            continue
        if intent.name in merged:
            first = merged[intent.name]
            result.notes.append(f"two intents become '{intent.name}' in Teller; their "
                                "examples were merged")
            intent = ImportedIntent(intent.name,
                                    tuple(dict.fromkeys(first.examples + intent.examples)),
                                    first.answers or intent.answers)
        merged[intent.name] = intent
    result.intents = list(merged.values())
    if other_languages:
        result.skipped.append(Skipped(
            "languages " + ", ".join(other_languages), f"Teller imports the agent's default "
            f"language '{language}'; import the others into a knowledge base of their own"))
    entities = {n for n in inside if n.startswith("entities/") and "_entries_" not in n}
    if entities:
        result.notes.append(f"{_count(len(entities), 'entity type')} in entities/ not "
                            "imported; their values stay in the examples as plain text")
    return result


def _training_phrases(export: _Export, member: str | None, what: str,
                      result: ReadResult) -> list[str]:
    if member is None:
        return []
    data = _json(export, member)
    if not isinstance(data, list):
        raise UnreadableSource(member, "expected a list of training phrases (objects with "
                                       f"'data'); {ES_ONLY}")
    phrases: list[str] = []
    templates = 0
    for item in data:
        if not isinstance(item, dict) or not isinstance(item.get("data"), list):
            continue
        if item.get("isTemplate"):
            templates += 1
            continue
        text = " ".join("".join(str(part.get("text") or "") for part in item["data"]
                                if isinstance(part, dict)).split())
        if text and text not in phrases:
            phrases.append(text)
    if templates:
        result.skipped.append(Skipped(what, f"{_count(templates, 'template training phrase')} "
                                            "(@entity placeholders) not imported"))
    return phrases


def _read_intent(export: _Export, member: str, phrases_file: str | None, language: str,
                 result: ReadResult) -> ImportedIntent | None:
    data = _json(export, member)
    if (not isinstance(data, dict) or not isinstance(data.get("name"), str)
            or not isinstance(data.get("responses"), list)):
        raise UnreadableSource(member, "expected a Dialogflow ES intent (a JSON object with "
                                       f"'name' and 'responses'); {ES_ONLY}")
    name: str = data["name"]
    what = f"intent '{name}'"
    contexts = [str(c) for c in data.get("contexts") or []]
    if contexts:
        result.skipped.append(Skipped(
            f"follow-up intent '{name}'", f"it needs the context '{', '.join(contexts)}'; "
            "Teller imports only top-level intents"))
        return None
    if data.get("priority") == -1:
        result.skipped.append(Skipped(what, "it is disabled in Dialogflow (priority: ignore)"))
        return None
    examples = _training_phrases(export, phrases_file, what, result)
    if name == FALLBACK_INTENT or data.get("fallbackIntent"):
        if examples:
            result.out_of_scope.extend(e for e in examples if e not in result.out_of_scope)
            result.notes.append(f"{_count(len(examples), 'training phrase')} of the "
                                f"fallback intent '{name}' imported as out-of-scope examples")
        else:
            result.skipped.append(Skipped(what, "a fallback intent is not an intent: Teller "
                                                "answers what it does not understand with its "
                                                "own out-of-scope reply"))
        return None
    if not examples:
        result.skipped.append(Skipped(what, f"no training phrases in language '{language}' "
                                            "(it may be triggered by an event only); Teller "
                                            "needs examples to recognise it"))
        return None

    teller = "greet" if name == WELCOME_INTENT else teller_intent_name(name)
    if teller != name:
        result.notes.append(f"intent '{name}' is named '{teller}' in Teller"
                            + ("" if name == WELCOME_INTENT else " (names use a-z, 0-9 and _)"))
    response = data["responses"][0] if data["responses"] else {}
    response = response if isinstance(response, dict) else {}
    answers = _answers(response, language, what, result)
    if data.get("conditionalResponses"):
        result.skipped.append(Skipped(f"conditional responses of {what}", "they depend on "
                                      "parameters; Teller answers do not"))
    required = [str(p.get("name")) for p in response.get("parameters") or []
                if isinstance(p, dict) and p.get("required")]
    if required:
        result.skipped.append(Skipped(
            f"parameters of {what}", f"slot filling (required {', '.join(required)}) and its "
            "prompts are not imported; rebuild it as a Teller tool form if it is needed"))
    if data.get("webhookUsed"):
        if answers:
            result.skipped.append(Skipped(
                f"webhook of {what}", "the webhook call (fulfillment code) is not imported; "
                "the text responses are kept: check that they make sense without it"))
        else:
            result.skipped.append(Skipped(
                what, "its reply comes from the webhook (fulfillment code), which cannot be "
                "imported; rebuild it as a Teller tool or answer it in the KB"))
    elif not answers:
        result.skipped.append(Skipped(what, f"no text response in language '{language}'; add "
                                            "its answer in Teller"))
    return ImportedIntent(teller, tuple(examples), answers)


def _answers(response: dict[str, Any], language: str, what: str,
             result: ReadResult) -> tuple[str, ...]:
    """Each variant of the first text message, then the first variant of each later one (the
    agent sends every text message, a random variant of each)."""
    parameters = [str(p.get("name")) for p in response.get("parameters") or []
                  if isinstance(p, dict) and p.get("name")]
    placeholder = re.compile(r"#[A-Za-z_][\w-]*\.[A-Za-z_]" + "".join(
        f"|\\${re.escape(p)}(?![\\w-])" for p in parameters))
    blocks: list[list[str]] = []
    dropped: list[str] = []
    platforms: list[str] = []
    filled = 0
    for message in response.get("messages") or []:
        if not isinstance(message, dict):
            continue
        if message.get("lang") not in (None, "", language):
            continue
        platform = message.get("platform")
        if platform not in (None, "", "default"):
            if str(platform) not in platforms:
                platforms.append(str(platform))
            continue
        kind = message.get("type")
        if kind not in _TEXT_TYPES:
            label = _MESSAGE_KINDS.get(str(kind), str(kind).replace("_", " "))
            if label not in dropped:
                dropped.append(label)
            continue
        speech = message.get("speech")
        if isinstance(message.get("text"), dict):  # the v2 API's {"text": {"text": [...]}}
            speech = message["text"].get("text")
        variants = [speech] if isinstance(speech, str) else speech or []
        texts = []
        for variant in variants:
            text = clean_text(str(variant))
            if text and placeholder.search(text):
                filled += 1
            elif text and text not in texts:
                texts.append(text)
        if texts:
            blocks.append(texts)
    if dropped:
        result.skipped.append(Skipped(f"responses of {what}", f"{', '.join(dropped)} are not "
                                      "imported (Teller answers are text)"))
    if platforms:
        result.skipped.append(Skipped(
            f"responses of {what}", f"the {', '.join(platforms)} responses are not imported; "
            "Teller sends the default text on every channel"))
    if filled:
        result.skipped.append(Skipped(
            f"responses of {what}", f"{_count(filled, 'response')} with parameters ($name, "
            "#context.name) not imported; Teller answers do not fill in parameters: rewrite "
            "them in Teller"))
    if not blocks:
        return ()
    tail = [block[0] for block in blocks[1:]]
    return tuple("\n\n".join([variant, *tail]) for variant in blocks[0])
