"""Ingested log examples and the review queue: store, rank, suggest, label, dismiss.

The CLI (`teller review`) and the admin pages share `ReviewService`, so both rank the queue
and validate labels the same way. Texts are redacted before they are stored.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.errors import NotFound, TellerError
from bot.kb import KnowledgeBase
from bot.privacy import redact
from bot.storage.database import make_engine, migrate
from bot.storage.models import (
    FeedbackRow,
    LogExampleRow,
    LogExampleSessionRow,
    ReviewItemRow,
    TurnRow,
)
from bot.text import collapse_whitespace, sentence_hash

OPEN, LABELLED, DISMISSED = "open", "labelled", "dismissed"
# Why an ingested turn needs a person, strongest first (a thumbs down is a customer's word).
REASON_WEIGHT = {"thumbs_down": 1.0, "handoff": 0.9, "fallback": 0.9, "out_of_scope": 0.7,
                 "low_confidence": 0.8, "unlabelled": 0.6}
CLUSTER_SIMILARITY = 0.75  # cosine: questions this close are "the same question"
NEW_FAQ_CLUSTER = 3  # this many similar open questions suggest a missing FAQ entry


class InvalidLabel(TellerError):
    """A label that is not an intent or FAQ entry of the knowledge base."""

    http_status = 422


def normalise(text: str) -> str:
    """The stored form of a message: PII masked, whitespace collapsed."""
    return collapse_whitespace(redact(text))


def text_key(text: str) -> str:
    """De-duplication key: the same question in another case or spacing is one example."""
    return sentence_hash(redact(text))


def in_holdout(key: str, percent: int = 20) -> bool:
    """A fixed slice of reviewed examples is never trained on, only evaluated on: the
    decision depends on the text alone, so it never changes between runs."""
    return int(key[:8], 16) % 100 < percent


@dataclass(frozen=True)
class LogRecord:
    """One message to ingest. `intent` is a label the source already had (a KB intent)."""

    text: str
    origin: str
    intent: str | None = None
    bot_answer: str | None = None
    feedback: str | None = None
    reason: str | None = None
    predicted_intent: str | None = None
    confidence: float | None = None
    session_id: str | None = None  # the Teller conversation it came from (erasure)
    review_item_id: int | None = None  # the server's review item it was read from


@dataclass(frozen=True)
class IngestCounts:
    added: int = 0
    repeated: int = 0
    labelled: int = 0
    skipped: int = 0


@dataclass(frozen=True)
class Suggestion:
    intent: str
    confidence: float


@dataclass
class QueueItem:
    id: int
    text: str
    reason: str | None
    seen: int
    confidence: float | None
    score: float
    cluster: int
    cluster_size: int
    suggestions: list[Suggestion] = field(default_factory=list)

    @property
    def suggests_new_faq(self) -> bool:
        """Several similar questions the model is unsure about: likely a missing FAQ entry."""
        top = self.suggestions[0].confidence if self.suggestions else 0.0
        return self.cluster_size >= NEW_FAQ_CLUSTER and top < 0.5


@dataclass(frozen=True)
class ReviewedExample:
    text: str
    intent: str
    holdout: bool


# texts -> per text, ranked (intent, confidence); and texts -> unit vectors
Suggest = Callable[[list[str]], list[list[Suggestion]]]
Embed = Callable[[list[str]], np.ndarray]


class LogExampleStore:
    """The `log_examples` table."""

    def __init__(self, url: str, *, run_migrations: bool = True) -> None:
        self.engine = make_engine(url)
        if run_migrations:
            migrate(self.engine)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    def add(self, records: Sequence[LogRecord], known_intents: set[str]) -> IngestCounts:
        """Store new messages, count repeats of known ones. A source label that is a KB
        intent makes the example labelled; any other label is kept only as a suggestion."""
        added = repeated = labelled = skipped = 0
        now = datetime.now(UTC)
        with self._sessions.begin() as db:
            pending: dict[str, LogExampleRow] = {}
            for record in records:
                text = normalise(record.text)
                if not text:
                    skipped += 1
                    continue
                key = text_key(text)
                row = pending.get(key) or db.scalar(
                    select(LogExampleRow).where(LogExampleRow.text_key == key))
                if row is not None:
                    row.seen += 1
                    if record.feedback == "down":
                        row.feedback, row.reason = "down", "thumbs_down"
                    self._link(db, row, record.session_id)
                    repeated += 1
                    continue
                label = record.intent if record.intent in known_intents else None
                reason = record.reason or ("thumbs_down" if record.feedback == "down"
                                           else None if label else "unlabelled")
                row = LogExampleRow(
                    text_key=key, text=text, origin=record.origin[:200], reason=reason,
                    bot_answer=normalise(record.bot_answer) if record.bot_answer else None,
                    feedback=record.feedback,
                    predicted_intent=record.predicted_intent or record.intent,
                    confidence=record.confidence, seen=1,
                    status=LABELLED if label else OPEN, label_intent=label,
                    created_at=now, labelled_at=now if label else None)
                db.add(row)
                self._link(db, row, record.session_id)
                pending[key] = row
                added += 1
                labelled += bool(label)
        return IngestCounts(added, repeated, labelled, skipped)

    @staticmethod
    def _link(db: Session, row: LogExampleRow, session_id: str | None) -> None:
        if session_id is None:
            return
        db.flush()  # the row needs its id
        if db.get(LogExampleSessionRow, (row.id, session_id)) is None:
            db.add(LogExampleSessionRow(example_id=row.id, session_id=session_id))

    def open_rows(self) -> list[LogExampleRow]:
        with self._sessions() as db:
            return list(db.scalars(select(LogExampleRow).where(LogExampleRow.status == OPEN)
                                   .order_by(LogExampleRow.id)))

    def reviewed(self) -> list[ReviewedExample]:
        with self._sessions() as db:
            rows = db.scalars(select(LogExampleRow).where(LogExampleRow.status == LABELLED)
                              .order_by(LogExampleRow.id))
            return [ReviewedExample(r.text, r.label_intent or "", in_holdout(r.text_key))
                    for r in rows if r.label_intent]

    def counts(self) -> dict[str, int]:
        with self._sessions() as db:
            rows = db.execute(select(LogExampleRow.status, func.count())
                              .group_by(LogExampleRow.status)).all()
        return {status: int(n) for status, n in rows}

    def set_status(self, item_id: int, status: str, intent: str | None = None,
                   faq: str | None = None) -> None:
        with self._sessions.begin() as db:
            row = db.get(LogExampleRow, item_id)
            if row is None:
                raise NotFound(f"review item {item_id} not found; list them with `teller review`")
            row.status, row.label_intent, row.label_faq = status, intent, faq
            row.labelled_at = datetime.now(UTC) if status == LABELLED else None

    def teller_review_records(self) -> list[LogRecord]:
        """Teller's own review queue (low confidence, fallbacks, handoffs, thumbs down), with
        the bot's answer and the customer's rating; all already redacted by the server."""
        with self._sessions() as db:
            rows = db.execute(
                select(ReviewItemRow, TurnRow.bot_text, FeedbackRow.rating)
                .join(TurnRow, (TurnRow.session_id == ReviewItemRow.session_id)
                      & (TurnRow.seq == ReviewItemRow.seq))
                .outerjoin(FeedbackRow, (FeedbackRow.session_id == ReviewItemRow.session_id)
                           & (FeedbackRow.seq == ReviewItemRow.seq))
                .where(ReviewItemRow.status == OPEN).order_by(ReviewItemRow.id)).all()
            records = [LogRecord(item.text, "teller-db", bot_answer=bot_text, feedback=rating,
                                 reason=item.reason, predicted_intent=item.predicted_intent,
                                 confidence=item.confidence, session_id=item.session_id,
                                 review_item_id=item.id)
                       for item, bot_text, rating in rows]
        return records

    def mark_review_items_ingested(self, records: Sequence[LogRecord]) -> None:
        """Ingested review items leave Teller's queue so a scheduled run does not recount
        them as repeats. Only the items these records were read from: one that arrived
        since stays open for the next run."""
        ids = [r.review_item_id for r in records if r.review_item_id is not None]
        if not ids:
            return
        with self._sessions.begin() as db:
            for item in db.scalars(select(ReviewItemRow).where(ReviewItemRow.id.in_(ids),
                                                               ReviewItemRow.status == OPEN)):
                item.status = "ingested"


class ReviewService:
    """Rank open examples by how much labelling them would help, with the model's
    suggestions; label them with a KB intent or FAQ entry; dismiss noise."""

    def __init__(self, store: LogExampleStore, kb: KnowledgeBase,
                 suggest: Suggest | None = None, embed: Embed | None = None) -> None:
        self.store = store
        self.kb = kb
        self.suggest = suggest
        self.embed = embed

    def queue(self, limit: int = 20) -> list[QueueItem]:
        """Score = uncertainty x reason weight x (1 + log frequency) x (1 + log cluster size):
        a frequent, uncertain question that many customers ask in similar words comes first."""
        rows = self.store.open_rows()
        if not rows:
            return []
        texts = [r.text for r in rows]
        suggestions = self.suggest(texts) if self.suggest else [[] for _ in rows]
        clusters = self._clusters(texts)
        sizes = np.bincount(clusters)
        items = []
        for row, ranked, cluster in zip(rows, suggestions, clusters, strict=True):
            confidence = ranked[0].confidence if ranked else row.confidence
            uncertainty = 1.0 - (confidence if confidence is not None else 0.0)
            weight = REASON_WEIGHT.get(row.reason or "", 0.5)
            size = int(sizes[cluster])
            score = (max(uncertainty, 0.05) * weight * (1 + math.log(row.seen))
                     * (1 + math.log(size)))
            items.append(QueueItem(row.id, row.text, row.reason, row.seen, confidence,
                                   round(score, 4), int(cluster), size, ranked[:3]))
        items.sort(key=lambda item: (-item.score, item.id))
        return items[:limit]

    def _clusters(self, texts: list[str]) -> np.ndarray:
        """Greedy single-pass grouping on cosine similarity (no embedder: one per text)."""
        if self.embed is None:
            return np.arange(len(texts))
        vectors = self.embed(texts)
        vectors = vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-9)
        labels = np.full(len(texts), -1)
        next_label = 0
        for i in range(len(texts)):
            if labels[i] >= 0:
                continue
            close = (vectors @ vectors[i] >= CLUSTER_SIMILARITY) & (labels < 0)
            labels[close] = next_label
            labels[i] = next_label
            next_label += 1
        return labels

    def resolve(self, intent: str | None = None, faq: str | None = None) -> str:
        """The training intent for a label: the intent itself, or the FAQ entry's intent."""
        if bool(intent) == bool(faq):
            raise InvalidLabel("label with exactly one of an intent or an FAQ entry id")
        if intent:
            if intent not in self.kb.intents:
                raise InvalidLabel(f"'{intent}' is not an intent of the knowledge base; pick "
                                   "one from `teller review --intents` or add it with "
                                   "`teller ingest --faq FILE.yaml`")
            return intent
        entry = self.kb.faq.get(faq or "")
        if entry is None:
            raise InvalidLabel(f"'{faq}' is not an FAQ entry id; add the entry with "
                               "`teller ingest --faq FILE.yaml` first")
        if not entry.intent:
            raise InvalidLabel(f"FAQ entry '{faq}' has no intent to train; re-ingest it with "
                               "`teller ingest --faq` (which gives it one) or give it "
                               "`intent:` in the KB")
        return entry.intent

    def label(self, item_id: int, intent: str | None = None, faq: str | None = None) -> str:
        resolved = self.resolve(intent, faq)
        self.store.set_status(item_id, LABELLED, resolved, faq)
        return resolved

    def dismiss(self, item_id: int) -> None:
        self.store.set_status(item_id, DISMISSED)
