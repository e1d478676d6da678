"""What the `teller` commands share: settings from the environment plus a command's options,
the error exit, logging, and the warm assistant the talking commands use.

Heavy imports stay inside the functions so `teller --help` stays fast.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from bot.errors import TellerError

if TYPE_CHECKING:
    from bot.config import Settings
    from bot.runtime import Runtime

KbOption = Annotated[
    Path | None, typer.Option("--kb", help="Knowledge base folder (default: TELLER_KB_DIR)")
]
DataDirOption = Annotated[
    Path | None, typer.Option("--data-dir", help="Models, index, database (TELLER_DATA_DIR)")
]


def load_settings(
    kb: Path | None = None, data_dir: Path | None = None, intent_model: str | None = None
) -> Settings:
    """Settings from the environment plus CLI overrides; a bad value exits with its name."""
    from pydantic import ValidationError

    from bot.config import Settings, unknown_variables

    overrides: dict[str, object] = {}
    if kb is not None:
        overrides["kb_dir"] = kb
    if data_dir is not None:
        overrides["data_dir"] = data_dir
    if intent_model is not None:
        overrides["intent_model"] = intent_model
    for variable in unknown_variables(os.environ):
        typer.secho(f"warning: {variable} is not a Teller setting and is ignored "
                    "(the settings are listed in bot/config.py and the README)",
                    fg=typer.colors.YELLOW, err=True)
    try:
        return Settings(**overrides)  # type: ignore[arg-type]  # pydantic coerces the paths
    except ValidationError as exc:
        problems = "; ".join(
            f"TELLER_{'_'.join(str(p) for p in err['loc']).upper()}: {err['msg']}"
            for err in exc.errors()
        )
        raise fail(f"invalid configuration: {problems}") from exc


def fail(message: str, code: int = 2) -> typer.Exit:
    """Print `error: message` in red on stderr; the caller raises the returned exit."""
    typer.secho(f"error: {message}", fg=typer.colors.RED, err=True)
    return typer.Exit(code)


def configure_logging(verbose: bool = False, fmt: str = "text") -> None:
    from bot.logs import setup_logging

    setup_logging("json" if fmt == "json" else "text", verbose)
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def load_runtime(settings: Settings, *, in_memory: bool,
                 fine_tune_in_background: bool = False) -> Runtime:
    """Load the KB, build whatever model/index is missing or stale (the application's prepare
    step: the runtime never trains), return a warm `Runtime`.

    `fine_tune_in_background` (the server): answer at once with a model that trains in
    seconds and train the better ones (and the other languages') in a background thread,
    each served as soon as it is written (`Runtime.train_in_background`).

    Any TellerError (broken KB, unusable encoder...) exits with its message.
    """
    from bot.kb import load_knowledge_base
    from bot.nlu.encoder import SentenceEncoder
    from bot.runtime import build_runtime
    from training.prepare import model_is_current, prepare_models

    try:
        kb = load_knowledge_base(settings.kb_dir, settings.bank_name)
        encoder = SentenceEncoder.from_settings(settings)
        if not model_is_current(settings, kb, encoder):
            # Said on stderr by every command, whatever its log level: `teller eval` on an
            # old model must not quietly measure a model it has just trained instead.
            typer.secho(f"note: the intent model in {settings.model_dir} is missing or was "
                        "trained for another knowledge base or encoder; training it first "
                        "(`teller train` does this ahead of time)",
                        fg=typer.colors.YELLOW, err=True)
        prepared = prepare_models(settings, kb, encoder, show_progress=True,
                                  fine_tune_later=fine_tune_in_background)
        runtime = build_runtime(settings, in_memory=in_memory, kb=kb, encoder=encoder)
        runtime.assistant.warm_up()
    except TellerError as exc:
        raise fail(str(exc)) from exc
    if prepared.background:
        runtime.train_in_background(prepared.background)
    return runtime
