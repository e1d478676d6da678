"""Does a knowledge base built from a bank's own files answer its customers' questions?

Each question of a set (`benchmarks/documents/questions.yaml`) names the fact the answer
must state and the document (and page) it must cite; unrelated questions must not be
answered from the documents. Imported bots (a Rasa project's test stories, a Dialogflow
agent's held-out wordings) are scored by the intent Teller recognises.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import yaml

from bot.response import BotResponse

DOCUMENT_ACTIONS = {"answer_passage", "answer_faq"}


class Answers(Protocol):
    def handle(self, message: object, session_id: str | None = None) -> BotResponse: ...


@dataclass(frozen=True)
class DocumentQuestion:
    text: str
    expect: tuple[str, ...]
    document: str
    page: int | None
    split: str


@dataclass(frozen=True)
class QuestionSet:
    questions: list[DocumentQuestion]
    unrelated: list[tuple[str, str]]  # (text, split)


def load_questions(path: Path) -> QuestionSet:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    questions = [DocumentQuestion(str(q["text"]), tuple(str(e) for e in q.get("expect") or ()),
                                  str(q["document"]), q.get("page"), str(q.get("split", "dev")))
                 for q in data.get("questions") or []]
    unrelated = [(str(q["text"]), str(q.get("split", "dev"))) if isinstance(q, dict)
                 else (str(q), "dev") for q in data.get("unrelated") or []]
    return QuestionSet(questions, unrelated)


def cites(reply: BotResponse, document: str, page: int | None) -> bool:
    """Whether a source of the reply is `document` (its file name, or a URL ending with
    it), on `page` when one is given."""
    for source in reply.sources:
        file = source.file or ""
        named = file == document or file.endswith("/" + document) or (
            source.document is not None and source.document == document)
        if named and (page is None or source.page == page):
            return True
    return False


def from_documents(reply: BotResponse) -> bool:
    return reply.action in DOCUMENT_ACTIONS and any(s.document for s in reply.sources)


@dataclass
class QuestionOutcome:
    question: DocumentQuestion
    reply: BotResponse
    states_fact: bool
    cites_document: bool
    cites_page: bool

    @property
    def right(self) -> bool:
        return self.states_fact and self.cites_document and self.cites_page


@dataclass
class DocumentsReport:
    outcomes: list[QuestionOutcome]
    unrelated: list[tuple[str, str, BotResponse]]  # text, split, reply
    rasa: dict[str, Any] = field(default_factory=dict)
    dialogflow: dict[str, Any] = field(default_factory=dict)

    def rate(self, split: str | None = None, document: str | None = None) -> tuple[int, int]:
        chosen = [o for o in self.outcomes if (split is None or o.question.split == split)
                  and (document is None or o.question.document == document)]
        return sum(o.right for o in chosen), len(chosen)

    def fact_rate(self, split: str | None = None) -> tuple[int, int]:
        """Replies that state the fact, cited or not (an imported bot's answer may state it
        without a source)."""
        chosen = [o for o in self.outcomes if split is None or o.question.split == split]
        return sum(o.states_fact for o in chosen), len(chosen)

    def unrelated_answered(self, split: str | None = None) -> tuple[int, int]:
        chosen = [r for _, s, r in self.unrelated if split is None or s == split]
        return sum(from_documents(r) for r in chosen), len(chosen)

    def to_dict(self) -> dict[str, Any]:
        documents = sorted({o.question.document for o in self.outcomes})
        return {
            "right": {split or "all": self.rate(split) for split in (None, "dev", "heldout")},
            "states_fact": {split or "all": self.fact_rate(split)
                            for split in (None, "dev", "heldout")},
            "by_document": {d: self.rate(document=d) for d in documents},
            "unrelated_answered_from_documents": {
                split or "all": self.unrelated_answered(split) for split in (None, "dev",
                                                                            "heldout")},
            "failures": [
                {"text": o.question.text, "split": o.question.split,
                 "expect": list(o.question.expect), "document": o.question.document,
                 "page": o.question.page, "action": o.reply.action, "reply": o.reply.text,
                 "sources": [s.model_dump(exclude_none=True) for s in o.reply.sources],
                 "states_fact": o.states_fact, "cites_document": o.cites_document,
                 "cites_page": o.cites_page}
                for o in self.outcomes if not o.right],
            "unrelated_answered": [
                {"text": t, "split": s, "reply": r.text,
                 "sources": [x.model_dump(exclude_none=True) for x in r.sources]}
                for t, s, r in self.unrelated if from_documents(r)],
            "rasa": self.rasa,
            "dialogflow": self.dialogflow,
        }


def ask_questions(assistant: Answers, questions: QuestionSet) -> DocumentsReport:
    outcomes = []
    for question in questions.questions:
        reply = assistant.handle(question.text)  # a new session each: single questions
        text = reply.text.casefold()
        outcomes.append(QuestionOutcome(
            question, reply,
            states_fact=all(fact.casefold() in text for fact in question.expect),
            cites_document=cites(reply, question.document, None),
            cites_page=question.page is None or cites(reply, question.document, question.page),
        ))
    unrelated = [(text, split, assistant.handle(text)) for text, split in questions.unrelated]
    return DocumentsReport(outcomes, unrelated)


@dataclass(frozen=True)
class IntentCase:
    text: str
    intent: str
    group: str  # the story or the intent it belongs to


def intent_accuracy(assistant: Answers, cases: Iterable[IntentCase]) -> dict[str, Any]:
    """The share of messages whose reply comes from the expected intent, and of groups (test
    stories) whose every message does."""
    by_group: dict[str, list[bool]] = defaultdict(list)
    misses = []
    total = right = 0
    for case in cases:
        reply = assistant.handle(case.text)
        got = reply.intent.name if reply.intent else None
        ok = got == case.intent
        total += 1
        right += ok
        by_group[case.group].append(ok)
        if not ok:
            misses.append({"text": case.text, "expected": case.intent, "got": got,
                           "action": reply.action})
    groups_right = sum(all(oks) for oks in by_group.values())
    return {"messages": [right, total], "groups": [groups_right, len(by_group)],
            "misses": misses}


def render_text(report: DocumentsReport) -> str:
    lines = []
    for split in (None, "dev", "heldout"):
        right, total = report.rate(split)
        answered, unrelated = report.unrelated_answered(split)
        facts, _ = report.fact_rate(split)
        lines.append(f"{split or 'all':8s} right fact + document + page: {right}/{total} "
                     f"({100 * right / max(total, 1):.1f}%); right fact, cited or not: "
                     f"{facts}/{total}; unrelated answered from the documents: "
                     f"{answered}/{unrelated}")
    for document in sorted({o.question.document for o in report.outcomes}):
        right, total = report.rate(document=document)
        lines.append(f"  {document:24s} {right}/{total}")
    for name, figures in (("Rasa test stories", report.rasa),
                          ("Dialogflow held-out", report.dialogflow)):
        for where, part in (("everything imported", figures), ("the bot alone",
                                                                figures.get("alone"))):
            if part:
                lines.append(f"{name} ({where}): messages {part['messages'][0]}/"
                             f"{part['messages'][1]}, whole "
                             f"{'stories' if 'Rasa' in name else 'intents'} "
                             f"{part['groups'][0]}/{part['groups'][1]}")
    for outcome in report.outcomes:
        if outcome.right:
            continue
        q = outcome.question
        lines.append(f"FAIL [{q.split}] {q.text!r}: expected {list(q.expect)} from "
                     f"{q.document} p{q.page}; got {outcome.reply.action}: "
                     f"{outcome.reply.text[:160]!r} "
                     f"{[(s.file, s.page) for s in outcome.reply.sources]}")
    for text, split, reply in report.unrelated:
        if from_documents(reply):
            lines.append(f"UNRELATED ANSWERED [{split}] {text!r}: {reply.text[:120]!r}")
    return "\n".join(lines)
