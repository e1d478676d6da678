"""Figures for the admin dashboard, computed in SQL over the stored conversations."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import case, func, select
from sqlalchemy.engine import Engine

from bot.storage.models import FeedbackRow, SessionRow, TurnRow

FALLBACK_ACTIONS = ("fallback", "out_of_scope", "offer_human")
HANDOFF_ACTIONS = ("handoff", "offer_human")


@dataclass(frozen=True)
class Dashboard:
    days: int
    conversations_per_day: list[tuple[date, int]]
    conversations: int
    turns: int
    containment: float | None  # conversations answered without a person being offered
    fallback_rate: float | None  # turns the bot could not answer
    top_intents: list[tuple[str, int]]
    feedback: dict[str, int] = field(default_factory=dict)


def dashboard(engine: Engine, days: int = 30, now: datetime | None = None) -> Dashboard:
    since = (now or datetime.now(UTC)) - timedelta(days=days)
    day = func.date(SessionRow.created_at)
    with engine.connect() as db:
        per_day = db.execute(
            select(day, func.count()).where(SessionRow.created_at >= since)
            .group_by(day).order_by(day)).all()
        recent_turns = select(TurnRow).join(SessionRow, SessionRow.id == TurnRow.session_id) \
            .where(SessionRow.created_at >= since).subquery()
        turns, fallbacks = db.execute(select(
            func.count(),
            func.coalesce(func.sum(case((recent_turns.c.action.in_(FALLBACK_ACTIONS), 1),
                                        else_=0)), 0),
        )).one()
        talking = db.execute(select(func.count(func.distinct(recent_turns.c.session_id)))
                             ).scalar_one()
        handed = db.execute(select(func.count(func.distinct(recent_turns.c.session_id)))
                            .where(recent_turns.c.action.in_(HANDOFF_ACTIONS))).scalar_one()
        intents = db.execute(
            select(recent_turns.c.intent, func.count()).where(recent_turns.c.intent.isnot(None))
            .group_by(recent_turns.c.intent).order_by(func.count().desc()).limit(10)).all()
        ratings = db.execute(
            select(FeedbackRow.rating, func.count()).where(FeedbackRow.created_at >= since)
            .group_by(FeedbackRow.rating)).all()
    per_day_parsed = [(d if isinstance(d, date) else date.fromisoformat(str(d)), int(n))
                      for d, n in per_day]
    return Dashboard(
        days=days, conversations_per_day=per_day_parsed,
        conversations=sum(n for _, n in per_day_parsed), turns=int(turns),
        containment=round(1 - handed / talking, 4) if talking else None,
        fallback_rate=round(int(fallbacks) / turns, 4) if turns else None,
        top_intents=[(str(name), int(n)) for name, n in intents],
        feedback={str(rating): int(n) for rating, n in ratings},
    )
