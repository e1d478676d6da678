"""Files that must never be seen half-written: model folders built aside and swapped in by one
rename, JSON manifests, and the library versions recorded in them. Shared by runtime and
training."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bot.errors import DamagedFile, TellerError

MANIFEST = "manifest.json"
LABELS = "labels.json"
# What to do about a damaged file of the intent model (models/intent/...).
MODEL_FIX = ("run `teller train` to build a new model (it moves the damaged folder aside "
             "first), or serve a saved version with `teller models promote VERSION` (see "
             "`teller models list`)")


def read_manifest(folder: Path) -> dict[str, Any] | None:
    path = folder / MANIFEST
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def load_manifest(folder: Path, fix: str = MODEL_FIX) -> dict[str, Any] | None:
    """The folder's manifest, None when there is none; unlike `read_manifest`, one that is
    there but cannot be read is `DamagedFile` (never mistaken for "no model yet")."""
    path = folder / MANIFEST
    if not path.is_file():
        return None
    with reading(path, fix):
        data = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise DamagedFile(path, "not a JSON object", fix)
    return data


def damage_of(exc: BaseException) -> str:
    """A short phrase for why a file could not be read."""
    if isinstance(exc, zipfile.BadZipFile):
        return f"truncated or overwritten zip: {exc}"
    if isinstance(exc, json.JSONDecodeError):
        return f"not valid JSON: {exc.msg} at line {exc.lineno}"
    if isinstance(exc, UnicodeDecodeError):
        return "not UTF-8 text"
    first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return first_line if len(first_line) <= 200 else first_line[:200] + "..."


@contextmanager
def reading(path: Path, fix: str = MODEL_FIX) -> Iterator[Path]:
    """Read `path` inside the block. A file Teller wrote that is missing from its folder, or
    there but unreadable (truncated, overwritten, another format), is `DamagedFile` naming
    it, what is wrong and `fix`; Teller's own errors pass through."""
    if not path.is_file():
        raise DamagedFile(path, "missing", fix)
    try:
        yield path
    except TellerError:
        raise
    except Exception as exc:  # any failure to parse a present file: it is not as written
        raise DamagedFile(path, damage_of(exc), fix) from exc


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def write_json(path: Path, payload: Any) -> None:
    path.write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def write_json_atomic(path: Path, payload: Any) -> None:
    """`write_json`, seen by readers either whole or not at all (staged, then renamed)."""
    staged = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    write_json(staged, payload)
    os.replace(staged, path)


def replace_file(source: Path, target: Path) -> None:
    """Put a copy of `source` at `target` in one rename: readers of `target` see the old
    file or the new one, never a half-written one."""
    staged = target.with_name(f".{target.name}.{os.getpid()}.saving")
    shutil.copyfile(source, staged)
    os.replace(staged, target)


@contextmanager
def atomic_folder(target: Path) -> Iterator[Path]:
    """Yield a temporary sibling folder; on success swap it in for `target` in one rename.

    An interrupted or failed build leaves the previous `target` untouched and no half-written
    folder behind.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-", dir=target.parent))
    try:
        yield tmp
        old = target.with_name(f".{target.name}.old-{os.getpid()}")
        if target.exists():
            os.replace(target, old)
        os.replace(tmp, target)
        shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def library_versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    versions: dict[str, str] = {}
    for package in ("teller", "torch", "transformers", "sentence-transformers", "scikit-learn",
                    "faiss-cpu", "faiss-gpu", "numpy", "onnxruntime"):
        try:
            versions[package] = version(package)
        except PackageNotFoundError:
            continue
    return versions
