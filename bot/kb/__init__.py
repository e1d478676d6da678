"""Knowledge base: typed entries and the validating loader."""

from bot.kb.loader import KbProblem, KnowledgeBaseError, load_knowledge_base
from bot.kb.models import (
    Button,
    FaqEntry,
    Form,
    FormSlot,
    Intent,
    KnowledgeBase,
    Offer,
    Passage,
    Response,
    SlotChoice,
    SourceDocument,
)

__all__ = [
    "Button",
    "FaqEntry",
    "Form",
    "FormSlot",
    "Intent",
    "KbProblem",
    "KnowledgeBase",
    "KnowledgeBaseError",
    "Offer",
    "Passage",
    "Response",
    "SlotChoice",
    "SourceDocument",
    "load_knowledge_base",
]
