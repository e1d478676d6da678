"""Safety: a retrain killed midway changes nothing that is served or registered; a model
swap under concurrent load fails no request."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from bot.pipeline import Assistant
from training.registry import ModelRegistry
from training.retrain import RetrainConfig, RetrainReport, retrain


def _snapshot(root: Path) -> dict[str, bytes]:
    """Every visible file under `root` with its bytes (hidden staging folders excluded)."""
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and not any(part.startswith(".") for part in p.relative_to(root).parts)}


def _env(settings) -> dict[str, str]:
    return {**os.environ, "HF_HUB_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false",
            "TELLER_KB_DIR": str(settings.kb_dir), "TELLER_DATA_DIR": str(settings.data_dir),
            "TELLER_INTENT_MODEL": "embedding-head", "TELLER_DEVICE": "cpu",
            "TELLER_DATABASE_URL": settings.database_url,
            "TELLER_RETRAIN_HOLDOUT_DATA": str(settings.retrain_holdout_data),
            "TELLER_RETRAIN_MIN_INTENT_EXAMPLES": "5"}


def test_killed_retrain_leaves_registry_and_serving_model_intact(deployment, encoder,
                                                                 tmp_path) -> None:
    settings, kb = deployment
    first = retrain(settings, kb, encoder)
    assert isinstance(first, RetrainReport) and first.promoted
    registry = ModelRegistry(settings)
    registered, serving = _snapshot(registry.root), _snapshot(settings.model_dir)
    assistant = Assistant.from_settings(settings, in_memory=True, kb=kb, encoder=encoder)
    assistant.warm_up()

    process = subprocess.Popen([sys.executable, "-m", "bot.cli", "retrain", "--force"],
                               cwd=tmp_path, env=_env(settings), stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    try:
        while time.monotonic() < deadline:  # kill it while it writes the candidate
            if any((s / "models").exists() for s in registry.root.glob(".staging-*")):
                break
            assert process.poll() is None, "retrain finished before it could be killed"
            time.sleep(0.005)
        else:
            raise AssertionError("retrain never started writing a candidate")
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait()
    assert process.returncode == -signal.SIGKILL
    assert list(registry.root.glob(".staging-*"))  # it was killed midway ...
    assert _snapshot(registry.root) == registered  # ... and nothing registered changed
    assert _snapshot(settings.model_dir) == serving
    assert registry.current() == first.version
    assert not assistant.reload_model_if_changed()
    assert assistant.handle("I lost my card").intent.name == "lost_or_stolen_card"  # type: ignore[union-attr]

    again = retrain(settings, kb, encoder, RetrainConfig.from_settings(settings, force=True))
    assert isinstance(again, RetrainReport) and again.promoted
    assert not list(registry.root.glob(".staging-*"))
    assert [v.name for v in registry.versions()][-2:] == [first.version, again.version]


def test_promotion_interrupted_between_renames_is_repaired(deployment) -> None:
    settings, _ = deployment
    serving = _snapshot(settings.model_dir)
    aside = settings.model_dir.with_name(f".{settings.model_dir.name}.old-999999999")
    settings.model_dir.rename(aside)  # what a kill between the two renames leaves
    ModelRegistry(settings).recover()
    assert not aside.exists() and _snapshot(settings.model_dir) == serving


def test_model_swap_under_load_fails_no_request(deployment, encoder) -> None:
    settings, kb = deployment
    candidate = retrain(settings, kb, encoder, RetrainConfig.from_settings(settings,
                                                                            promote=False))
    assert isinstance(candidate, RetrainReport)
    registry = ModelRegistry(settings)
    original = registry.current()
    assistant = Assistant.from_settings(settings, in_memory=True, kb=kb, encoder=encoder)
    assistant.warm_up()
    errors: list[BaseException] = []
    intents: list[str | None] = []
    stop = threading.Event()

    def customer() -> None:
        session = assistant.new_session_id()
        while not stop.is_set():
            try:
                reply = assistant.handle("my card never arrived", session)
                intents.append(reply.intent.name if reply.intent else None)
            except BaseException as exc:
                errors.append(exc)

    threads = [threading.Thread(target=customer) for _ in range(4)]
    for thread in threads:
        thread.start()
    swaps = 0
    try:
        for version in [candidate.version, original, candidate.version, original] * 2:
            assert version is not None
            registry.promote(version)
            swaps += assistant.reload_model_if_changed()
            time.sleep(0.05)
    finally:
        stop.set()
        for thread in threads:
            thread.join()
    assert errors == []
    assert swaps == 8 and len(intents) > 50
    assert set(intents) == {"card_arrival"}
