"""Files that must never be seen half-written: model folders built aside and swapped in by one
rename, JSON manifests, and the library versions recorded in them. Shared by runtime and
training."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

MANIFEST = "manifest.json"
LABELS = "labels.json"


def read_manifest(folder: Path) -> dict[str, Any] | None:
    path = folder / MANIFEST
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


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
