"""Knowledge base: typed entries and the validating loader."""

from bot.kb.loader import KbProblem, KnowledgeBaseError, load_knowledge_base
from bot.kb.models import Button, FaqEntry, Intent, KnowledgeBase, Response

__all__ = [
    "Button",
    "FaqEntry",
    "Intent",
    "KbProblem",
    "KnowledgeBase",
    "KnowledgeBaseError",
    "Response",
    "load_knowledge_base",
]
