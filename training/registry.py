"""Model versions: `data_dir/registry/<version>/` holds the intent model (`models/intent/`),
the FAQ index it was evaluated with (`index/`), `version.json` and `report.json`.

The serving model is `settings.model_dir`; promoting copies a version next to it and renames
it into place, so a running server (`Assistant.reload_model_if_changed`) swaps to it and
requests in flight finish on the old one. Versions are built in `.staging-*` folders and
renamed in at the end: a retrain killed at any point leaves the registry and the serving
model as they were. One retrain at a time (a lock file); the next run cleans up leftovers.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.config import Settings
from bot.errors import ConfigurationError, NotFound
from bot.files import MANIFEST, atomic_folder, read_manifest, write_json, write_json_atomic

VERSION_FILE = "version.json"
REPORT_FILE = "report.json"
PROMOTIONS_FILE = "promotions.json"
MODEL_SUBDIR = Path("models") / "intent"


STALE_SECONDS = 6 * 3600  # a model tmp folder this old belongs to no running training


def _alive(pid: str) -> bool:
    try:
        os.kill(int(pid), 0)
    except (ValueError, ProcessLookupError):
        return False
    except PermissionError:
        return True
    return True


class RegistryBusy(ConfigurationError):
    """Another retrain or promotion holds the registry lock."""


@dataclass
class VersionInfo:
    name: str
    created_at: str
    status: str  # candidate | promoted | refused | imported
    kind: str = ""
    fingerprint: str = ""
    reasons: list[str] = field(default_factory=list)
    metrics: dict[str, Any] = field(default_factory=dict)


def new_version_name(fingerprint: str) -> str:
    return f"{datetime.now(UTC):%Y%m%d-%H%M%S}-{fingerprint[:8]}"


class ModelRegistry:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.root = settings.data_dir / "registry"

    # --- reading ---------------------------------------------------------------------------
    def model_dir(self, name: str) -> Path:
        return self.root / name / MODEL_SUBDIR

    def info(self, name: str) -> VersionInfo:
        path = self.root / name / VERSION_FILE
        if not path.is_file():
            raise NotFound(f"no model version '{name}' in {self.root}; see `teller models list`")
        return VersionInfo(**json.loads(path.read_text(encoding="utf-8")))

    def versions(self) -> list[VersionInfo]:
        if not self.root.is_dir():
            return []
        names = sorted(p.name for p in self.root.iterdir()
                       if p.is_dir() and not p.name.startswith(".") and p.name != "datasets"
                       and (p / VERSION_FILE).is_file())
        return sorted((self.info(name) for name in names), key=lambda v: (v.created_at, v.name))

    def current(self) -> str | None:
        """The version being served, from the serving model's manifest."""
        manifest = read_manifest(self.settings.model_dir) or {}
        if manifest.get("registry_version"):
            return str(manifest["registry_version"])
        for info in self.versions():  # an imported model keeps its original manifest
            theirs = read_manifest(self.model_dir(info.name)) or {}
            if manifest and theirs.get("created_at") == manifest.get("created_at") \
                    and theirs.get("training_data_hash") == manifest.get("training_data_hash"):
                return info.name
        return None

    def promotions(self) -> list[str]:
        path = self.root / PROMOTIONS_FILE
        return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else []

    # --- writing ---------------------------------------------------------------------------
    @contextmanager
    def lock(self) -> Iterator[None]:
        """Hold the registry: a second retrain (e.g. cron firing twice) fails fast."""
        self.root.mkdir(parents=True, exist_ok=True)
        with open(self.root / ".lock", "w") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError as exc:
                raise RegistryBusy(f"another retrain or promotion is using {self.root}; "
                                   "wait for it to finish") from exc
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def recover(self) -> None:
        """Undo what an interrupted run left: staging folders, and a serving model folder
        moved aside but not yet replaced (kill between the two renames of a promotion)."""
        target = self.settings.model_dir
        if target.parent.is_dir():  # `teller train` may be writing here: only dead owners' files
            for old in sorted(target.parent.glob(f".{target.name}.old-*")):
                if _alive(old.name.rsplit("-", 1)[-1]):
                    continue
                if not target.exists():
                    os.replace(old, target)
                else:
                    shutil.rmtree(old, ignore_errors=True)
            for tmp in target.parent.glob(f".{target.name}.tmp-*"):
                if time.time() - tmp.stat().st_mtime > STALE_SECONDS:
                    shutil.rmtree(tmp, ignore_errors=True)
        if self.root.is_dir():
            for staging in self.root.glob(".staging-*"):
                shutil.rmtree(staging, ignore_errors=True)

    def write_info(self, folder: Path, info: VersionInfo) -> None:
        write_json_atomic(folder / VERSION_FILE, asdict(info))

    @contextmanager
    def staging(self) -> Iterator[Path]:
        """A scratch version folder; `publish` renames it in. Removed on any failure."""
        self.root.mkdir(parents=True, exist_ok=True)
        folder = Path(tempfile.mkdtemp(prefix=".staging-", dir=self.root))
        try:
            yield folder
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    def free_name(self, fingerprint: str) -> str:
        name = base = new_version_name(fingerprint)
        suffix = 1
        while (self.root / name).exists():
            suffix += 1
            name = f"{base}-{suffix}"
        return name

    def publish(self, staging: Path, name: str) -> Path:
        final = self.root / name
        os.replace(staging, final)
        return final

    def import_serving_model(self) -> str | None:
        """Register the serving model (trained by `teller train` or at start) as a version,
        so a rollback can return to it. Does nothing if it is already registered."""
        manifest = read_manifest(self.settings.model_dir)
        if manifest is None or self.current() is not None:
            return None
        name = self.free_name(str(manifest.get("training_data_hash", "0" * 8))) + "-imported"
        with self.staging() as folder:
            shutil.copytree(self.settings.model_dir, folder / MODEL_SUBDIR)
            self.write_info(folder, VersionInfo(
                name, str(manifest.get("created_at", "")), "imported",
                kind=str(manifest.get("kind", "")), metrics=manifest.get("metrics", {})))
            self.publish(folder, name)
        self._record_promotion(name)
        return name

    def promote(self, name: str) -> None:
        """Serve version `name`: copy its model next to the serving folder, then rename."""
        info = self.info(name)
        source = self.model_dir(name)
        if read_manifest(source) is None:
            raise NotFound(f"model version '{name}' has no model folder; it cannot be served")
        target = self.settings.model_dir
        with atomic_folder(target) as folder:  # renamed into place: the server swaps to it
            shutil.copytree(source, folder, dirs_exist_ok=True, copy_function=shutil.copy)
            manifest = read_manifest(folder) or {}
            manifest["registry_version"] = name
            write_json(folder / MANIFEST, manifest)
        if info.status != "imported":
            info.status = "promoted"
            self.write_info(self.root / name, info)
        self._record_promotion(name)

    def rollback(self) -> str:
        """Serve the version promoted before the current one."""
        current = self.current()
        history = [n for n in self.promotions() if (self.root / n).is_dir()]
        earlier = [n for n in history if n != current]
        if current in history:
            earlier = [n for n in history[: history.index(current)] if n != current]
        if not earlier:
            raise NotFound("no earlier promoted version to roll back to; see `teller models list`")
        self.promote(earlier[-1])
        # The rolled-back-from version leaves the history so a second rollback goes further.
        promotions = [n for n in self.promotions() if n != current]
        write_json_atomic(self.root / PROMOTIONS_FILE, promotions)
        return earlier[-1]

    def _record_promotion(self, name: str) -> None:
        history = [n for n in self.promotions() if n != name] + [name]
        write_json_atomic(self.root / PROMOTIONS_FILE, history)
