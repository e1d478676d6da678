"""Which tool action publishes which input schema: action name -> `ToolInput`.

Only the light schema modules are imported (no torch, numpy or scipy), so the knowledge-base
loader can check every form against the action it calls without loading a model.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

from bot.tools.credit_risk.schema import FORM_INPUT as CREDIT_RISK_INPUT
from bot.tools.inputs import ToolInput
from bot.tools.portfolio.questionnaire import FORM_INPUT as PORTFOLIO_INPUT

TOOL_INPUTS: Final[Mapping[str, ToolInput]] = MappingProxyType(
    {schema.action: schema for schema in (CREDIT_RISK_INPUT, PORTFOLIO_INPUT)}
)


def tool_input(action: str) -> ToolInput | None:
    """The input schema `action` publishes, or None (a bank's own action: not checked)."""
    return TOOL_INPUTS.get(action)
