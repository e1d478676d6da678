"""Read a Rasa 2/3 project (YAML training data and domain) as Teller intents.

Only what a knowledge base can hold is carried over: each intent's examples and the plain
texts it answers with. Custom actions, forms, slots and multi-turn stories are code or
conversation state; they are listed in `skipped` so the bank sees what to rebuild by hand.
The YAML is read as YAML 1.2, as Rasa reads it (`yes` stays a string).

Why this module is long: an intent's answer is found only by reading the three parts of a
Rasa project together (NLU examples, domain responses, rules and stories, with Rasa's own
conventions for each), and every part Teller cannot hold needs its own reason in `skipped`.
The test-story reader shares the YAML loading and name conversion.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from bot.kb.importers.base import (
    ImportedIntent,
    ReadResult,
    Skipped,
    UnreadableSource,
    check_size,
    clean_text,
    teller_intent_name,
)

YAML_SUFFIXES = (".yml", ".yaml")
# A Rasa project has tens of files; thousands means the wrong folder (a home directory).
MAX_PROJECT_FILES = 2000
# Extra examples written per intent from `synonym:` blocks: enough to teach the other
# wording, few enough not to drown the bank's own examples.
MAX_SYNONYM_EXAMPLES = 3
OUT_OF_SCOPE_INTENTS = ("out_of_scope", "nlu_fallback")
# Rasa's own actions: they send no text and run no bank code.
BUILTIN_ACTIONS = frozenset({
    "action_listen", "action_restart", "action_session_start", "action_default_fallback",
    "action_deactivate_loop", "action_revert_fallback_events", "action_default_ask_affirmation",
    "action_default_ask_rephrase", "action_two_stage_fallback", "action_back",
    "action_unlikely_intent", "action_extract_slots",
})

# Rasa's annotation syntax: [text](entity), [text](entity:value), [text]{"entity": ...},
# [text][{"entity": ...}, {...}] (several entities, roles and groups on one span).
_ENTITY = re.compile(
    r"\[(?P<text>[^\]]*?)\](?:\((?P<entity>[^)]*?)\)|\{(?P<dict>[^}]*?)\}|\[(?P<list>.*?\})\])")
_SLOT_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


def strip_entities(text: str) -> str:
    """`I live in [Dublin](city)` -> `I live in Dublin`: Teller learns from the plain text."""
    return " ".join(_ENTITY.sub(lambda m: m.group("text"), text).split())


@dataclass(frozen=True)
class RasaTestStep:
    """One user message of a Rasa test story and what Rasa should do with it."""

    text: str
    intent: str  # a Teller name; "" when the test gives only the text
    actions: tuple[str, ...]  # Rasa action names, in order (action_listen left out)


@dataclass(frozen=True)
class RasaTestStory:
    name: str
    steps: tuple[RasaTestStep, ...]


def is_rasa_project(folder: Path) -> bool:
    """A folder with a Rasa domain, or with YAML training data under `data/`."""
    if not folder.is_dir():
        return False
    if any((folder / name).is_file() for name in ("domain.yml", "domain.yaml")):
        return True
    if (folder / "domain").is_dir():
        return True
    candidates = [folder / "nlu.yml", folder / "nlu.yaml"]
    if (folder / "data").is_dir():
        candidates += sorted(p for p in (folder / "data").rglob("*")
                             if p.suffix.lower() in YAML_SUFFIXES)[:50]
    for path in candidates:
        try:
            if path.is_file() and re.search(r"^(nlu|rules|stories):", path.read_text(
                    encoding="utf-8", errors="replace")[:200_000], re.MULTILINE):
                return True
        except OSError:
            continue
    return False


# ---------------------------------------------------------------------------- YAML files


def _relative(path: Path, root: Path) -> str:
    return path.relative_to(root).as_posix()


def _load_yaml(path: Path, root: Path) -> Any:
    """The file's content, or UnreadableSource naming the file and the place of the error."""
    rel = _relative(path, root)
    check_size(rel, path.stat().st_size)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UnreadableSource(rel, f"not UTF-8 text (byte {exc.start}); save it as UTF-8 "
                                    "and import again") from exc
    try:
        return YAML(typ="safe", pure=True).load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = exc.problem or "invalid YAML"
        context = f" ({exc.context})" if exc.context else ""
        raise UnreadableSource(rel, f"YAML syntax error{where}: {problem}{context}; fix it "
                                    "(`rasa data validate` shows it too) and import "
                                    "again") from exc
    except YAMLError as exc:
        raise UnreadableSource(rel, f"YAML error: {exc}; fix it and import again") from exc


def _yaml_files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.rglob("*") if p.is_file()
                  and p.suffix.lower() in YAML_SUFFIXES
                  and not any(part.startswith(".") for part in p.relative_to(folder).parts))


def _text(value: Any) -> str:
    """A YAML scalar as text (`text: 2024` is read as a number)."""
    if value is None or isinstance(value, dict | list):
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _block_examples(value: Any) -> list[str]:
    """The `examples: |` block ("- text" lines), or a list of strings / `{text: ...}` dicts."""
    if isinstance(value, str):
        lines = [line.strip() for line in value.splitlines()]
        return [line.lstrip("- ").strip() for line in lines if line.lstrip("- ").strip()]
    if isinstance(value, list):
        out = []
        for item in value:
            text = _text(item.get("text")) if isinstance(item, dict) else _text(item)
            if text.strip():
                out.append(text.strip())
        return out
    return []


# ---------------------------------------------------------------------------- the project


@dataclass
class _Turn:
    """A user intent and the steps that answer it, from one rule or story."""

    intents: tuple[str, ...]  # several for an `or:` of intents
    steps: list[tuple[str, str]]  # ("action", name) | ("bot", text) | ("loop", form)
    origin: str  # "rule 'greet'"
    rank: int  # 0: a rule's opening; 1: a story's opening; 2: later, in context


@dataclass
class _Project:
    root: Path
    result: ReadResult
    examples: dict[str, list[str]] = field(default_factory=dict)  # Rasa intent -> examples
    synonyms: list[list[str]] = field(default_factory=list)  # [canonical, synonym, ...]
    responses: dict[str, list[Any]] = field(default_factory=dict)
    forms: set[str] = field(default_factory=set)
    turns: list[_Turn] = field(default_factory=list)
    used_responses: set[str] = field(default_factory=set)
    response_texts: dict[str, list[str]] = field(default_factory=dict)

    def skip(self, what: str, why: str) -> None:
        self.result.skipped.append(Skipped(what, why))


def read_rasa_project(folder: Path) -> ReadResult:
    """Read the intents, their examples and their answers from a Rasa 2/3 YAML project."""
    folder = folder.resolve()
    if not folder.is_dir():
        raise UnreadableSource(folder.name, "not a folder; give the Rasa project's folder "
                                            "(the one with domain.yml and data/)")
    data_files = [p for p in (folder / "nlu.yml", folder / "nlu.yaml") if p.is_file()]
    data_files += _yaml_files(folder / "data")
    domain_files = [p for p in (folder / "domain.yml", folder / "domain.yaml") if p.is_file()]
    domain_files += _yaml_files(folder / "domain")
    old_format: list[Path] = []
    if (folder / "data").is_dir():
        old_format = sorted(p for p in (folder / "data").rglob("*")
                            if p.is_file() and p.suffix.lower() in (".md", ".json"))
    if not data_files and old_format:
        raise UnreadableSource(
            folder.name, f"the training data is in the Rasa 1 format "
            f"({_relative(old_format[0], folder)}); only Rasa 2/3 YAML can be imported: "
            "convert it with `rasa data convert nlu -f yaml` (Rasa 2) and import again")
    if not data_files and not domain_files:
        raise UnreadableSource(folder.name, "no Rasa project here: expected domain.yml (or a "
                                            "domain/ folder) and YAML training data in data/")
    if len(data_files) + len(domain_files) > MAX_PROJECT_FILES:
        raise UnreadableSource(folder.name, f"more than {MAX_PROJECT_FILES} YAML files; give "
                                            "the Rasa project's own folder")

    result = ReadResult(source=folder.name, title=_title(folder))
    project = _Project(folder, result)
    for path in old_format:
        project.skip(_relative(path, folder), "Rasa 1 training data (Markdown / JSON) is not "
                     "read; convert it with `rasa data convert nlu -f yaml` and import again")
    for path in domain_files:
        _read_domain(project, path)
    for path in data_files:
        _read_data(project, path)
    _build_intents(project)
    return result


def _title(folder: Path) -> str:
    for name in ("config.yml", "config.yaml"):
        if (folder / name).is_file():
            config = _load_yaml(folder / name, folder)
            assistant = _text(config.get("assistant_id")) if isinstance(config, dict) else ""
            if assistant and assistant != "placeholder_default":
                return assistant
    return f"Rasa project {folder.name}"


def _read_domain(project: _Project, path: Path) -> None:
    rel = _relative(path, project.root)
    data = _load_yaml(path, project.root)
    if data is None:
        return
    if not isinstance(data, dict):
        project.skip(rel, "not a Rasa domain (expected a mapping with responses:, intents:)")
        return
    _add_responses(project, data.get("responses"))
    forms = data.get("forms")
    if isinstance(forms, dict):
        project.forms.update(str(name) for name in forms)
    elif isinstance(forms, list):
        project.forms.update(str(name) for name in forms if isinstance(name, str))


def _add_responses(project: _Project, responses: Any) -> None:
    if not isinstance(responses, dict):
        return
    for name, variants in responses.items():
        if str(name) in project.responses:
            continue  # Rasa refuses duplicates; the first one wins here
        project.responses[str(name)] = variants if isinstance(variants, list) else [variants]


def _read_data(project: _Project, path: Path) -> None:
    rel = _relative(path, project.root)
    data = _load_yaml(path, project.root)
    if data is None:
        return
    if not isinstance(data, dict) or not {"nlu", "rules", "stories", "responses"} & set(data):
        project.skip(rel, "no nlu:, rules:, stories: or responses: section: not Rasa "
                          "training data")
        return
    _add_responses(project, data.get("responses"))
    for item in data.get("nlu") or []:
        if isinstance(item, dict):
            _read_nlu_item(project, item, rel)
    for kind in ("rule", "story"):
        for item in data.get("rules" if kind == "rule" else "stories") or []:
            if isinstance(item, dict):
                _read_flow(project, kind, item, rel)


def _read_nlu_item(project: _Project, item: dict[str, Any], rel: str) -> None:
    if "intent" in item:
        name = _text(item["intent"]).strip()
        examples = [strip_entities(text) for text in _block_examples(item.get("examples"))]
        if name:
            project.examples.setdefault(name, []).extend(e for e in examples if e)
    elif "synonym" in item:
        canonical = _text(item["synonym"]).strip()
        words = [strip_entities(text) for text in _block_examples(item.get("examples"))]
        group = list(dict.fromkeys(w for w in words if w))
        # The canonical value is often an id (`credit_card`); only a word is a wording.
        if canonical and "_" not in canonical and canonical not in group:
            group.append(canonical)
        if len(group) > 1:
            project.synonyms.append(group)
    elif "regex" in item:
        project.skip(f"regex '{_text(item['regex'])}'", "Teller does not use regex features; "
                     "examples that contain such values are imported as plain text")
    elif "lookup" in item:
        project.skip(f"lookup '{_text(item['lookup'])}'", "Teller does not use lookup tables; "
                     "add typical values to the examples of the intents that need them")
    else:
        keys = ", ".join(sorted(str(k) for k in item))
        project.skip(f"{rel}: nlu item with {keys}", "not an intent, synonym, regex or lookup")


def _read_flow(project: _Project, kind: str, item: dict[str, Any], rel: str) -> None:
    """The intent -> answer pairs of one rule or story; what they cannot hold is listed."""
    origin = f"{kind} '{_text(item.get(kind)) or f'unnamed in {rel}'}'"
    steps = item.get("steps")
    if not isinstance(steps, list):
        project.skip(origin, "has no steps: list")
        return
    if kind == "rule" and item.get("condition"):
        project.skip(origin, "applies only in a given state (condition: slots or an active "
                             "form); Teller answers do not depend on conversation state")
        return
    turns: list[_Turn] = []
    current: _Turn | None = None
    features: list[str] = []
    context_before = False  # something happens before the first user message

    def feature(text: str) -> None:
        if text not in features:
            features.append(text)

    for step in steps:
        if not isinstance(step, dict):
            continue
        if "intent" in step or "user" in step:
            intent = _text(step.get("intent")).strip()
            if not intent:
                feature("end-to-end user texts without an intent")
                current = None
                continue
            current = _Turn((intent,), [], origin, 0)
            turns.append(current)
        elif "or" in step:
            alternatives = step["or"] if isinstance(step["or"], list) else []
            intents = [_text(a.get("intent")).strip() for a in alternatives
                       if isinstance(a, dict) and "intent" in a]
            if intents and len(intents) == len(alternatives) and all(intents):
                current = _Turn(tuple(intents), [], origin, 0)
                turns.append(current)
            else:
                feature("or: steps on slots")
                current = None
        elif "action" in step or "bot" in step or "active_loop" in step:
            if "action" in step:
                entry = ("action", _text(step["action"]))
            elif "bot" in step:
                entry = ("bot", _text(step["bot"]))
            else:
                entry = ("loop", _text(step["active_loop"]))
            if current is not None:
                current.steps.append(entry)
            elif not turns and entry[1] not in ("", "action_listen", "action_session_start"):
                context_before = True
        elif "slot_was_set" in step:
            feature("slot_was_set")
            context_before = context_before or not turns
        elif "checkpoint" in step:
            feature("checkpoints")
            context_before = context_before or not turns
        else:
            feature("steps of kind " + ", ".join(sorted(str(k) for k in step)))
    for index, turn in enumerate(turns):
        opening = index == 0 and not context_before
        turn.rank = (0 if kind == "rule" else 1) if opening else 2
        if turn.steps:
            project.turns.append(turn)
    if len(turns) > 1:
        why = f"multi-turn {kind} ({len(turns)} user turns)"
        why += f" with {', '.join(features)}" if features else ""
    elif features:
        why = f"{kind} with {', '.join(features)}"
    elif not turns:
        why = f"{kind} without a user intent"
    else:
        return
    project.skip(origin, f"{why}; only intent -> response pairs are imported")


# ---------------------------------------------------------------------------- answers


def _response_texts(project: _Project, name: str) -> list[str]:
    """The plain-text variants of a response; each variant that cannot be one is listed."""
    if name in project.response_texts:
        return project.response_texts[name]
    problems: list[str] = []

    def problem(text: str) -> None:
        if text not in problems:
            problems.append(text)

    texts: list[str] = []
    for variant in project.responses.get(name, []):
        if isinstance(variant, str):
            variant = {"text": variant}
        if not isinstance(variant, dict):
            continue
        if variant.get("channel"):
            problem(f"the variant for channel '{_text(variant['channel'])}' is not imported "
                    "(Teller sends the same text on every channel)")
            continue
        if variant.get("condition"):
            problem("variants with a condition: (slot values) are not imported; Teller "
                    "answers do not depend on slots")
            continue
        text = _text(variant.get("text")).strip()
        for key, what in (("custom", "custom payloads"), ("image", "images"),
                          ("attachment", "attachments"), ("elements", "elements"),
                          ("quick_replies", "quick replies")):
            if variant.get(key):
                problem(f"{what} are not imported (Teller answers are text)")
        buttons = variant.get("buttons")
        if isinstance(buttons, list) and buttons:
            titles = [_text(b.get("title")).strip() for b in buttons if isinstance(b, dict)]
            titles = [t for t in titles if t]
            if text:
                problem("buttons are dropped (" + ", ".join(repr(t) for t in titles)
                        + "); the text is kept")
            elif titles:
                text = "You can choose: " + ", ".join(titles) + "."
                problem("a variant with only buttons became a sentence listing their titles")
        if not text:
            continue
        slots = _SLOT_PLACEHOLDER.findall(text)
        if slots:
            problem(f"a variant fills in the slot {{{slots[0]}}}; Teller answers do not use "
                    "slots: rewrite it in Teller")
            continue
        text = clean_text(text)
        if text and text not in texts:
            texts.append(text)
    if problems:
        project.skip(f"response '{name}'", "; ".join(problems))
    project.response_texts[name] = texts
    return texts


def _candidates(project: _Project, names: list[str]) -> list[_Turn]:
    """The turns answering one of `names` (Rasa names), best first. A retrieval intent
    `faq/ask_x` is also answered by a turn for `faq` whose `utter_faq` becomes
    `utter_faq/ask_x`."""
    found: list[_Turn] = []
    for name in names:
        for turn in project.turns:
            if name in turn.intents:
                found.append(turn)
        if "/" in name:
            base = name.split("/", 1)[0]
            for turn in project.turns:
                if base in turn.intents:
                    steps = [(k, f"utter_{name}" if (k, v) == ("action", f"utter_{base}")
                              else v) for k, v in turn.steps]
                    found.append(_Turn((name,), steps, turn.origin, turn.rank))
    return sorted(found, key=lambda t: t.rank)  # stable: file order within a rank


def _describe(steps: list[tuple[str, str]]) -> str:
    return ", ".join(v if k == "action" else f"{k}: {v}" for k, v in steps)


def _answers(project: _Project, teller: str, names: list[str]) -> tuple[str, ...]:
    what = f"intent '{teller}'"
    turns = _candidates(project, names)
    if turns:
        chosen = turns[0]
        for other in dict.fromkeys(_describe(t.steps) for t in turns[1:]):
            if other != _describe(chosen.steps):
                origin = next(t.origin for t in turns if _describe(t.steps) == other)
                project.skip(what, f"{origin} answers it with {other}; Teller keeps one answer "
                             f"per intent: {_describe(chosen.steps)} ({chosen.origin})")
        steps, origin = chosen.steps, chosen.origin
    else:
        convention = next((f"utter_{n}" for n in names if f"utter_{n}" in project.responses),
                          None)
        if convention is None:
            project.skip(what, f"no rule or story answers it and the domain has no response "
                               f"'utter_{names[0]}'; add its answer in Teller")
            return ()
        steps, origin = [("action", convention)], f"the response {convention}"

    blocks: list[list[str]] = []
    missing: list[str] = []
    builtin: list[str] = []
    for kind, value in steps:
        if kind == "loop" and value and value != "null":
            project.skip(what, f"starts the form '{value}' (it collects slots and runs code); "
                               "rebuild it as a Teller tool form or answer it in the KB")
            return ()
        if kind == "bot" and value.strip():
            blocks.append([clean_text(value)])
        if kind != "action" or not value:
            continue
        if value in project.forms:
            project.skip(what, f"starts the form '{value}' (it collects slots and runs code); "
                               "rebuild it as a Teller tool form or answer it in the KB")
            return ()
        if value in BUILTIN_ACTIONS:
            builtin.append(value)
        elif value.startswith("utter_"):
            project.used_responses.add(value)
            if value not in project.responses:
                missing.append(value)
            else:
                texts = _response_texts(project, value)
                if texts:
                    blocks.append(texts)
        else:
            project.skip(what, f"runs the custom action '{value}' (code); rebuild it as a "
                               "Teller tool or answer it in the KB")
            return ()
    for name in missing:
        project.skip(what, f"{origin} names the response '{name}', which is not in the domain")
    if not blocks:
        if not missing:
            why = (f"runs Rasa's built-in action '{builtin[0]}' and sends no text" if builtin
                   else f"its answer ({_describe(steps)}) has no plain text to import")
            project.skip(what, why)
        return ()
    # Each variant of the first response, then the first text of each later one.
    tail = [block[0] for block in blocks[1:]]
    return tuple("\n\n".join([variant, *tail]) for variant in blocks[0])


def _with_synonyms(examples: list[str], groups: list[list[str]]) -> list[str]:
    """Up to MAX_SYNONYM_EXAMPLES new examples: one wording of a synonym swapped for another."""
    seen = {e.casefold() for e in examples}
    added: list[str] = []
    for example in examples:
        for group in groups:
            match = None
            for term in sorted(group, key=len, reverse=True):
                match = re.search(rf"(?<!\w){re.escape(term)}(?!\w)", example, re.IGNORECASE)
                if match:
                    break
            if match is None:
                continue
            for other in group:
                if other.casefold() == match.group(0).casefold():
                    continue
                new = example[:match.start()] + other + example[match.end():]
                if new.casefold() not in seen:
                    seen.add(new.casefold())
                    added.append(new)
                    break
            if len(added) >= MAX_SYNONYM_EXAMPLES:
                return added
    return added


def _is_out_of_scope(name: str) -> bool:
    return name in OUT_OF_SCOPE_INTENTS or name.startswith("out_of_scope/")


def _build_intents(project: _Project) -> None:
    result = project.result
    by_teller: dict[str, list[str]] = {}  # Teller name -> Rasa names, in file order
    for name, examples in project.examples.items():
        if _is_out_of_scope(name):
            result.out_of_scope.extend(e for e in dict.fromkeys(examples)
                                       if e not in result.out_of_scope)
            continue
        by_teller.setdefault(teller_intent_name(name), []).append(name)
    oos = [n for n in project.examples if _is_out_of_scope(n)]
    if result.out_of_scope:
        result.notes.append(f"{len(result.out_of_scope)} examples of "
                            f"{', '.join(repr(n) for n in oos)} imported as out-of-scope "
                            "examples (Teller answers them with its own out-of-scope reply)")

    added_total, added_intents = 0, 0
    for teller, names in by_teller.items():
        for name in names:
            if name != teller:
                result.notes.append(f"intent '{name}' is named '{teller}' in Teller (names "
                                    "use a-z, 0-9 and _)")
        if len(names) > 1:
            result.notes.append(f"intents {', '.join(repr(n) for n in names)} all become "
                                f"'{teller}'; their examples were merged")
        examples = list(dict.fromkeys(e for n in names for e in project.examples[n]))
        extra = _with_synonyms(examples, project.synonyms)
        if extra:
            added_total += len(extra)
            added_intents += 1
        answers = _answers(project, teller, names)
        result.intents.append(ImportedIntent(teller, tuple(examples + extra), answers))
    if added_total:
        plural = "s" if added_intents != 1 else ""
        result.notes.append(f"synonyms: added {added_total} examples to {added_intents} "
                            f"intent{plural} by swapping in a synonym from the "
                            f"{len(project.synonyms)} synonym: blocks")
    unused = [n for n in project.responses
              if n not in project.used_responses and n != "utter_out_of_scope"]
    if unused:
        shown = ", ".join(unused[:10]) + (f" and {len(unused) - 10} more" if len(unused) > 10
                                          else "")
        result.skipped.append(Skipped(
            f"responses {shown}", "no imported intent answers with them directly (forms, "
            "custom actions or later story turns send them)"))


# ---------------------------------------------------------------------------- test stories


def read_rasa_test_stories(folder: Path) -> list[RasaTestStory]:
    """The test stories in `tests/*.yml` (user texts with entity annotations removed, the
    expected intent as a Teller name, the expected actions), to carry them over as Teller
    conversation tests. Steps that give an intent but no user text are left out."""
    folder = folder.resolve()
    tests = folder / "tests"
    if not tests.is_dir():
        return []
    stories: list[RasaTestStory] = []
    for path in sorted(p for p in tests.iterdir()
                       if p.is_file() and p.suffix.lower() in YAML_SUFFIXES):
        data = _load_yaml(path, folder)
        if not isinstance(data, dict):
            continue
        for key, kind in (("stories", "story"), ("rules", "rule")):
            for item in data.get(key) or []:
                if isinstance(item, dict) and isinstance(item.get("steps"), list):
                    story = _test_story(_text(item.get(kind)), item["steps"])
                    if story.steps:
                        stories.append(story)
    return stories


def _test_story(name: str, steps: list[Any]) -> RasaTestStory:
    turns: list[tuple[str, str, list[str]]] = []
    current: list[str] | None = None
    for step in steps:
        if not isinstance(step, dict):
            continue
        if "user" in step:
            intent = _text(step.get("intent")).strip()
            current = []
            turns.append((strip_entities(_text(step["user"])),
                          teller_intent_name(intent) if intent else "", current))
        elif "intent" in step:
            current = None  # no text to send: not a step a conversation test can replay
        elif "action" in step and current is not None:
            action = _text(step["action"])
            if action and action != "action_listen":
                current.append(action)
    return RasaTestStory(name, tuple(RasaTestStep(text, intent, tuple(actions))
                                     for text, intent, actions in turns if text))
