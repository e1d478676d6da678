"""Helpers for tests that run real servers and databases: free ports, readiness, schemas."""

from __future__ import annotations

import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_ready(base: str, process: subprocess.Popen, log: Path, timeout: float = 180) -> None:
    """Wait for `teller serve` at `base` to answer /readyz; kill it and fail with its log
    when it exits or takes longer than `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"server exited: {log.read_text()[-3000:]}")
        try:
            if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.5)
    process.kill()
    raise AssertionError(f"server at {base} not ready: {log.read_text()[-3000:]}")


@contextmanager
def postgres_schema(admin_url: str, prefix: str = "teller_test") -> Iterator[str]:
    """A fresh schema in the test PostgreSQL, dropped afterwards; yields a database URL whose
    search_path is that schema. Skips the test when PostgreSQL is not reachable."""
    import sqlalchemy as sa

    admin = sa.create_engine(admin_url)
    schema = f"{prefix}_{uuid.uuid4().hex[:12]}"
    try:
        with admin.begin() as connection:
            connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    except sa.exc.OperationalError as exc:
        admin.dispose()
        pytest.skip(f"PostgreSQL at {admin_url} is not reachable: {exc.orig}")
    try:
        yield f"{admin_url}?options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as connection:
            connection.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
