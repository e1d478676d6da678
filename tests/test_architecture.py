"""The layers hold (docs/architecture.md): import-linter's contracts in pyproject.toml name every
runtime module, and no module of `bot` grows past ~400 lines without saying why."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
APPLICATION = {"bot.api", "bot.cli"}
LONG_MODULE_LINES = 400
LONG_MODULE_REASON = "Why this module is long:"


def contracts() -> list[dict[str, Any]]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return list(config["tool"]["importlinter"]["contracts"])


def top_level_modules(package: str) -> set[str]:
    """`bot.x` for every module or sub-package `x` directly under the package's folder."""
    folder = ROOT / package
    names = {p.stem for p in folder.glob("*.py") if p.stem != "__init__"}
    names |= {p.name for p in folder.iterdir() if (p / "__init__.py").is_file()}
    return {f"{package}.{name}" for name in names}


def test_every_module_of_bot_is_in_a_layer() -> None:
    runtime = set(contracts()[0]["source_modules"])
    unplaced = top_level_modules("bot") - runtime - APPLICATION
    assert not unplaced, (
        f"{sorted(unplaced)} belong to no layer: add them to the runtime contract's "
        "source_modules in pyproject.toml (or to the application layer)")
    assert not runtime & APPLICATION


def test_the_import_contracts_hold() -> None:
    linter = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run([str(linter)], cwd=ROOT, capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_long_modules_say_why() -> None:
    unexplained = []
    for path in sorted((ROOT / "bot").rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        if text.count("\n") > LONG_MODULE_LINES and LONG_MODULE_REASON not in text[:3000]:
            unexplained.append(f"{path.relative_to(ROOT)} ({text.count(chr(10))} lines)")
    assert not unexplained, (f"split these modules, or write '{LONG_MODULE_REASON} ...' in "
                             f"their docstring: {unexplained}")
