"""`teller models list | promote | rollback`: the intent model's versions.

The `training` package is imported inside the commands: it is heavy.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Annotated

import typer

from bot.cli.common import DataDirOption, fail, load_settings
from bot.errors import TellerError

models_app = typer.Typer(help="Model versions: list, promote, roll back.", no_args_is_help=True)


@models_app.command("list")
def models_list(data_dir: DataDirOption = None,
                as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Every version, oldest first; `*` marks the one being served."""
    from training.registry import ModelRegistry

    registry = ModelRegistry(load_settings(None, data_dir))
    current = registry.current()
    versions = registry.versions()
    if as_json:
        typer.echo(json.dumps({"current": current, "versions": [asdict(v) for v in versions]},
                              indent=2))
        return
    if not versions:
        typer.echo("no versions yet; run `teller retrain`")
    for info in versions:
        accuracy = info.metrics.get("accuracy")
        shown = f"{accuracy:.4f}" if isinstance(accuracy, float) else "-"
        reasons = "" if info.status != "refused" else "  " + "; ".join(info.reasons)
        typer.echo(f"{'*' if info.name == current else ' '} {info.name}  {info.status:9} "
                   f"{info.kind:14} accuracy {shown}{reasons}")


@models_app.command("promote")
def models_promote(version: Annotated[str, typer.Argument(help="From `teller models list`")],
                   data_dir: DataDirOption = None) -> None:
    """Serve this version (also a refused one, by a person's decision)."""
    from training.registry import ModelRegistry

    registry = ModelRegistry(load_settings(None, data_dir))
    try:
        with registry.lock():
            registry.recover()
            registry.import_serving_model()
            registry.promote(version)
    except TellerError as exc:
        raise fail(str(exc)) from exc
    typer.echo(f"serving {version}")


@models_app.command("rollback")
def models_rollback(data_dir: DataDirOption = None) -> None:
    """Serve the version promoted before the current one."""
    from training.registry import ModelRegistry

    registry = ModelRegistry(load_settings(None, data_dir))
    try:
        with registry.lock():
            registry.recover()
            version = registry.rollback()
    except TellerError as exc:
        raise fail(str(exc)) from exc
    typer.echo(f"rolled back: serving {version}")
