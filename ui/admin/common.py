"""What the admin tabs share: the status messages they show and the knowledge base they edit."""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import Protocol

from bot.errors import TellerError
from bot.kb import KnowledgeBase
from bot.kb.loader import KnowledgeBaseError
from bot.kb.sync import KbNotServed, SharedKnowledgeBase

MAX_PROBLEMS_SHOWN = 20


class ServedKnowledge(Protocol):
    """The knowledge base the assistant answers with, and how to swap in an edited one
    (`bot.pipeline.Assistant` is one). `shared_kb`: how edits reach the other replicas,
    None when there are none (no SQL database)."""

    shared_kb: SharedKnowledgeBase | None

    @property
    def kb(self) -> KnowledgeBase: ...

    def reload_knowledge_base(self, kb: KnowledgeBase | None = None) -> None: ...


def message(text: str, ok: bool) -> str:
    """A one-line result: `role=status` when it worked, `role=alert` when it did not."""
    role = "status" if ok else "alert"
    color = "#1b6e3a" if ok else "#a4262c"
    return f'<div role="{role}" style="color:{color}">{html.escape(text)}</div>'


def problems(exc: KnowledgeBaseError) -> str:
    """A refused edit: every problem the validator found (the first 20)."""
    items = "".join(f"<li>{html.escape(str(p))}</li>"
                    for p in exc.problems[:MAX_PROBLEMS_SHOWN])
    return ('<div role="alert" style="color:#a4262c">Not saved: the knowledge base would be '
            f"invalid.<ul>{items}</ul></div>")


def save_and_serve(edit: Callable[[], KnowledgeBase], served: ServedKnowledge
                   ) -> tuple[KnowledgeBase | None, str | None]:
    """Run a `KbEditor` edit, then serve the edited knowledge base; with a shared database
    the edit is recorded there and every replica serves it within seconds. Returns the new
    knowledge base, or None and the refusal to show."""
    not_served = "Saved, but the assistant still answers with the previous knowledge base: "
    try:
        if served.shared_kb is not None:
            return served.shared_kb.save(edit), None
        knowledge = edit()
    except KnowledgeBaseError as exc:
        return None, problems(exc)
    except KbNotServed as exc:
        return None, message(f"{not_served}{exc}", ok=False)
    except TellerError as exc:  # another replica's edit in the way (KbEditConflict)
        return None, message(f"Not saved: {exc}", ok=False)
    try:
        served.reload_knowledge_base(knowledge)
    except TellerError as exc:
        return None, message(f"{not_served}{exc}", ok=False)
    return knowledge, None
