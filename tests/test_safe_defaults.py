"""Safe by default: development mode stays on loopback, a misspelt setting is reported, and
the server says which mode it runs in and why."""

from __future__ import annotations

import logging
import os
import subprocess
import sys

import pytest

from bot.cli.serve import announce_mode, is_loopback
from bot.config import Settings, unknown_variables
from bot.errors import ConfigurationError


@pytest.mark.parametrize("host", ["127.0.0.1", "::1", "[::1]", "localhost", "127.0.0.2"])
def test_loopback_addresses(host: str) -> None:
    assert is_loopback(host)


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "10.0.0.5", "assistant.example-bank.com"])
def test_development_mode_refuses_a_public_bind(host: str) -> None:
    with pytest.raises(ConfigurationError, match="loopback only"):
        announce_mode(Settings(environment="development"), host, {})


def test_a_public_bind_in_development_needs_the_explicit_flag(
        caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="teller.security"):
        announce_mode(Settings(environment="development", allow_public_bind=True), "0.0.0.0", {})
    assert "anyone who can reach it" in caplog.text


def test_the_mode_and_the_reason_are_logged(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="teller.security"):
        announce_mode(Settings(environment="development"), "127.0.0.1", {})
        announce_mode(Settings(environment="production"), "0.0.0.0",
                      {"TELLER_ENVIRONMENT": "production"})
    assert "development mode (TELLER_ENVIRONMENT is not set" in caplog.text
    assert "production mode (TELLER_ENVIRONMENT=production)" in caplog.text


def test_misspelt_variables_are_named_with_the_likely_setting() -> None:
    environ = {"TELLER_ENVIRONEMNT": "production", "TELLER_PORT": "8000",
               "TELLER_WHATEVER": "1", "TELLER_TEST_CHROMIUM": "/usr/bin/chromium",
               "PATH": "/usr/bin"}
    assert unknown_variables(environ) == [
        "TELLER_ENVIRONEMNT (did you mean TELLER_ENVIRONMENT?)", "TELLER_WHATEVER"]


def test_teller_serve_refuses_to_expose_development_mode(tmp_path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TELLER_")}
    env.update({"HF_HUB_OFFLINE": "1", "TELLER_DATA_DIR": str(tmp_path),
                "TELLER_ENVIRONEMNT": "production"})
    done = subprocess.run([sys.executable, "-m", "bot.cli", "serve", "--host", "0.0.0.0"],
                          env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert "TELLER_ENVIRONEMNT (did you mean TELLER_ENVIRONMENT?)" in done.stderr
    assert "loopback only" in done.stderr
    assert not (tmp_path / "models").exists()  # refused before anything was built
