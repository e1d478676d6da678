"""`teller retrain` in a child process, one at a time, for the Models tab.

Training takes minutes of CPU and memory; in a child process it cannot stall or crash the
web server, and it runs exactly what the command line runs. The child gets the server's
knowledge base and data folder (`--kb`, `--data-dir`) and inherits its environment, with
the server's own values of the settings retraining reads. A thread reads its output
(progress bars included: a line ending in a carriage return is replaced by the next one).
When it ends, the version it made is the one that appeared in the registry meanwhile; its
`report.json` holds the figures. The server's model watcher swaps a promoted version in.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import threading
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import IO, Any

from bot.config import Settings
from bot.errors import TellerError
from training.registry import REPORT_FILE, ModelRegistry

KEPT_LINES = 500
# The settings `teller retrain` reads besides --kb and --data-dir. They are passed on
# explicitly, so the child trains what this server serves even when the server's settings
# did not all come from the environment.
RETRAIN_SETTINGS = ("bank_name", "encoder", "device", "intent_model", "database_url",
                    "retrain_tolerance", "retrain_intent_tolerance",
                    "retrain_min_intent_examples", "retrain_intent_significance",
                    "retrain_holdout_data", "retrain_holdout_size")


def retrain_command(settings: Settings) -> list[str]:
    """The command the Models tab runs: `teller retrain` on the server's KB and data."""
    return [sys.executable, "-m", "bot.cli", "retrain", "--kb", str(settings.kb_dir),
            "--data-dir", str(settings.data_dir)]


def child_environment(settings: Settings) -> dict[str, str]:
    """This process's environment with `settings`' values of `RETRAIN_SETTINGS`."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    for name in RETRAIN_SETTINGS:
        value = getattr(settings, name)
        if value is None:
            env.pop(f"TELLER_{name.upper()}", None)
        else:
            env[f"TELLER_{name.upper()}"] = str(value)
    return env


@dataclass(frozen=True)
class RetrainOutcome:
    """How a finished child ended: its exit status, and the version it made (if any)."""

    returncode: int
    version: str | None
    report: dict[str, Any] | None
    last_line: str

    @property
    def ok(self) -> bool:
        return self.returncode == 0


@dataclass
class RetrainRun:
    """One child process and the last `KEPT_LINES` lines it printed."""

    process: subprocess.Popen[bytes]
    started_at: datetime
    versions_before: frozenset[str]
    lines: deque[str] = field(default_factory=lambda: deque(maxlen=KEPT_LINES))
    outcome: RetrainOutcome | None = None
    done: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def running(self) -> bool:
        return not self.done.is_set()

    def output(self, last: int = 40) -> str:
        """The last `last` non-blank lines printed so far."""
        with self._lock:
            shown = [line for line in self.lines if line.strip()]
        return "\n".join(shown[-last:])

    def follow(self, stream: IO[bytes]) -> None:
        """Read the output until the child closes it (on a thread)."""
        replace_last = False
        for chunk in io.TextIOWrapper(stream, encoding="utf-8", errors="replace", newline=""):
            text = chunk.rstrip("\r\n")
            with self._lock:
                if replace_last and self.lines:
                    self.lines[-1] = text
                else:
                    self.lines.append(text)
            replace_last = chunk.endswith("\r")  # a progress bar redraws its line


class RetrainJob:
    """Starts `command` (default: `retrain_command(settings)`) unless a run is going on."""

    def __init__(self, settings: Settings, command: Sequence[str] | None = None) -> None:
        self.settings = settings
        self.command = list(command) if command else retrain_command(settings)
        self._lock = threading.Lock()
        self._run: RetrainRun | None = None

    @property
    def current(self) -> RetrainRun | None:
        """The run going on or the last one; None before the first."""
        return self._run

    def start(self) -> RetrainRun | None:
        """A new run, or None when one is still running."""
        with self._lock:
            if self._run is not None and self._run.running:
                return None
            before = frozenset(v.name for v in ModelRegistry(self.settings).versions())
            process = subprocess.Popen(
                self.command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT, env=child_environment(self.settings))
            run = RetrainRun(process, datetime.now(UTC), before)
            threading.Thread(target=self._watch, args=(run,), name="retrain-output",
                             daemon=True).start()
            self._run = run
            return run

    def _watch(self, run: RetrainRun) -> None:
        assert run.process.stdout is not None
        try:
            run.follow(run.process.stdout)
        finally:
            returncode = run.process.wait()
            try:
                run.outcome = self._outcome(run, returncode)
            except (OSError, ValueError, TellerError) as exc:  # never leave the job "running"
                run.outcome = RetrainOutcome(returncode, None, None,
                                             f"could not read the model registry: {exc}")
            finally:
                run.done.set()

    def _outcome(self, run: RetrainRun, returncode: int) -> RetrainOutcome:
        lines = [line for line in run.lines if line.strip()]
        last = next((line for line in reversed(lines) if line.startswith("error:")),
                    lines[-1] if lines else "")
        registry = ModelRegistry(self.settings)
        trained = [v.name for v in registry.versions()  # not the serving model it imported
                   if v.name not in run.versions_before and v.status != "imported"]
        if returncode != 0 or not trained:
            return RetrainOutcome(returncode, None, None, last.strip())
        path = registry.root / trained[-1] / REPORT_FILE
        report = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None
        return RetrainOutcome(returncode, trained[-1], report, last.strip())
