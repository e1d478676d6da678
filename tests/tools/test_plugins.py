"""What the tools share: the published input schemas and their registry, the load-once helper,
the allowed-answers text, and the import rules (schemas are cheap, the runtime never trains)."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from bot.tools.credit_risk.schema import FORM_INPUT as CREDIT_RISK_INPUT
from bot.tools.credit_risk.schema import HOUSING
from bot.tools.inputs import Choice, InputField, ToolInput, choices_text
from bot.tools.plugins import LoadOnce
from bot.tools.portfolio.questionnaire import FORM_INPUT as PORTFOLIO_INPUT
from bot.tools.portfolio.questionnaire import GOALS
from bot.tools.registry import TOOL_INPUTS, tool_input

ROOT = Path(__file__).resolve().parents[2]


def imported_after(statement: str, prefixes: tuple[str, ...]) -> list[str]:
    """Top-level packages among `prefixes` that `statement` imports, in a fresh interpreter."""
    code = (f"import json, sys\n{statement}\n"
            "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                            text=True, check=True)
    loaded = set(json.loads(result.stdout.strip().splitlines()[-1]))
    return sorted(loaded & set(prefixes))


def test_registry_maps_each_action_to_its_schema() -> None:
    assert dict(TOOL_INPUTS) == {"action_assess_credit_risk": CREDIT_RISK_INPUT,
                                 "action_recommend_portfolio": PORTFOLIO_INPUT}
    assert tool_input("action_assess_credit_risk") is CREDIT_RISK_INPUT
    assert tool_input("action_check_fraud") is None  # a bank's own action: not checked


def test_schemas_and_the_kb_loader_import_no_model_library() -> None:
    heavy = ("torch", "numpy", "scipy", "matplotlib", "httpx", "sklearn")
    assert imported_after("import bot.tools.registry, bot.kb", heavy) == []
    assert imported_after("import bot.tools.credit_risk, bot.tools.portfolio", heavy) == []


def test_the_runtime_never_imports_training() -> None:
    statement = ("import bot.actions.runner, bot.actions.credit_risk, bot.actions.portfolio, "
                 "bot.tools.credit_risk.reference, bot.tools.portfolio.reference")
    assert imported_after(statement, ("training", "ui")) == []


def test_choices_text_with_and_without_keys() -> None:
    assert choices_text(HOUSING, with_keys=True) == (
        '"you own your home" (own); "you rent" (rent); "you live rent-free" (free)')
    assert choices_text(GOALS) == ('"Keep my money safe"; "Earn a steady income"; '
                                   '"A balance of growth and safety"; '
                                   '"Grow my money over the long term"')


def test_input_fields_check_themselves() -> None:
    with pytest.raises(ValueError, match="choices go with type 'choice' only"):
        InputField("goal", "choice", "the goal")
    with pytest.raises(ValueError, match="choices go with type 'choice' only"):
        InputField("age", "age", "the age", choices={"young": Choice("young")})
    with pytest.raises(ValueError, match="min is greater than max"):
        InputField("age", "age", "the age", min=100, max=18)
    schema = ToolInput("action_x", "x", (InputField("age", "age", "the age"),))
    assert schema.names == ("age",)
    with pytest.raises(KeyError, match="action_x has no input 'income'"):
        schema.field("income")


def test_load_once_loads_once_under_concurrent_first_use() -> None:
    calls: list[int] = []
    gate = threading.Event()

    def load() -> str:
        calls.append(1)
        gate.wait(1)
        time.sleep(0.05)
        return "model"

    once = LoadOnce(load)
    assert not once.loaded
    with ThreadPoolExecutor(8) as pool:
        futures = [pool.submit(once.get) for _ in range(8)]
        gate.set()
        results = [f.result() for f in futures]
    assert results == ["model"] * 8
    assert len(calls) == 1 and once.loaded


def test_load_once_tries_again_after_a_failed_load() -> None:
    attempts: list[int] = []

    def load() -> str:
        attempts.append(1)
        if len(attempts) == 1:
            raise RuntimeError("not built yet")
        return "model"

    once = LoadOnce(load)
    with pytest.raises(RuntimeError, match="not built yet"):
        once.get()
    assert not once.loaded
    assert once.get() == once.get() == "model"
    assert len(attempts) == 2
