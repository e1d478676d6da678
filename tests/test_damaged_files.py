"""Damaged model and index files: named with the fix, never a raw traceback, never a silent
retrain over them. The FAQ index, derived from the KB, is rebuilt and the log says so."""

from __future__ import annotations

import logging
import os
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from bot.cli import app
from bot.config import Settings
from bot.errors import DamagedFile
from bot.files import MANIFEST
from bot.nlu.recognizer import load_recognizer
from bot.retrieval.faq_index import INDEX_FILE, FaqIndex
from training.prepare import prepare_models

runner = CliRunner()


@pytest.fixture
def data(tmp_path: Path, tiny_head_settings: Settings) -> Settings:
    """A private copy of the tiny embedding-head model and index that a test may damage (the
    sentence-encoder export and the credit-risk model are shared, read-only)."""
    source, target = tiny_head_settings.data_dir, tmp_path / "data"
    shutil.copytree(source / "models" / "intent", target / "models" / "intent")
    shutil.copytree(source / "index", target / "index")
    for name in ("sentence-encoder", "credit_risk"):
        if (source / "models" / name).exists():
            os.symlink(source / "models" / name, target / "models" / name)
    return tiny_head_settings.model_copy(update={"data_dir": target})


def truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def scribble(path: Path) -> None:
    """Random bytes in the middle of the file, its length unchanged."""
    content = bytearray(path.read_bytes())
    middle = len(content) // 2
    content[middle:middle + 64] = os.urandom(64)
    path.write_bytes(bytes(content))


def ask(settings: Settings, text: str = "where is my IBAN?") -> Result:
    return runner.invoke(
        app, ["ask", text, "--kb", str(settings.kb_dir), "--data-dir", str(settings.data_dir)],
        env={"TELLER_INTENT_MODEL": "embedding-head", "TELLER_DEVICE": "cpu"})


def test_a_truncated_head_stops_the_start_naming_file_and_fix(data: Settings) -> None:
    head = data.model_dir / "head.npz"
    truncate(head)
    result = ask(data)
    assert result.exit_code == 2, result.output
    assert isinstance(result.exception, SystemExit)  # Teller's error exit, no traceback
    assert f"{head} is damaged" in result.output
    assert "teller train" in result.output and "teller models promote" in result.output


@pytest.mark.parametrize("name", ["head.npz", "labels.json", MANIFEST, "scope/in_scope.npy",
                                  "scope/scope.json"])
def test_each_damaged_model_file_is_named_when_loading(data: Settings, encoder,
                                                       name: str) -> None:
    damaged = data.model_dir / name
    truncate(damaged)
    with pytest.raises(DamagedFile) as caught:
        load_recognizer(data.model_dir, encoder).warm_up()
    assert caught.value.path == str(damaged)
    assert "teller train" in str(caught.value)


def test_a_damaged_manifest_is_not_retrained_over_at_start(data: Settings, tiny_kb,
                                                           encoder) -> None:
    (data.model_dir / MANIFEST).write_text('{"kind": "embedding-sof', encoding="utf-8")
    head = (data.model_dir / "head.npz").read_bytes()
    with pytest.raises(DamagedFile, match=r"manifest\.json is damaged"):
        prepare_models(data, tiny_kb, encoder, show_progress=False)
    assert (data.model_dir / "head.npz").read_bytes() == head  # nothing was trained over it


def test_teller_train_moves_a_damaged_model_aside_and_says_where(
    data: Settings, tiny_kb, encoder, caplog: pytest.LogCaptureFixture,
) -> None:
    truncate(data.model_dir / "head.npz")
    with caplog.at_level(logging.WARNING):
        result = prepare_models(data, tiny_kb, encoder, show_progress=False, force=True)
    assert result.trained is not None
    aside = [p for p in data.model_dir.parent.iterdir()
             if p.name.startswith("intent.damaged-")]
    assert len(aside) == 1 and (aside[0] / MANIFEST).is_file()
    assert str(aside[0]) in caplog.text and "head.npz" in caplog.text
    load_recognizer(data.model_dir, encoder).warm_up()  # the new model reads whole


@pytest.mark.parametrize("damage", [truncate, scribble])
def test_a_damaged_faq_index_is_rebuilt_at_start_and_the_log_says_so(
    data: Settings, tiny_kb, encoder, caplog: pytest.LogCaptureFixture, damage,
) -> None:
    damage(data.index_dir / INDEX_FILE)
    with caplog.at_level(logging.WARNING):
        result = prepare_models(data, tiny_kb, encoder, show_progress=False)
    assert result.index_rebuilt
    assert str(data.index_dir / INDEX_FILE) in caplog.text
    assert "rebuil" in caplog.text and "knowledge base" in caplog.text
    index = FaqIndex(data.index_dir, tiny_kb, encoder, "cpu")
    assert index.search("where is my IBAN?")[0].entry.id


@pytest.mark.parametrize("damage", [truncate, scribble])
def test_a_damaged_faq_index_is_named_when_loading(data: Settings, tiny_kb, encoder,
                                                   damage) -> None:
    path = data.index_dir / INDEX_FILE
    damage(path)
    with pytest.raises(DamagedFile) as caught:
        FaqIndex(data.index_dir, tiny_kb, encoder, "cpu").warm_up()
    assert caught.value.path == str(path)
    assert "rebuilt from the knowledge base" in str(caught.value)


def test_a_truncated_fine_tuned_encoder_is_named(tmp_path: Path, tiny_settings: Settings,
                                                 encoder) -> None:
    folder = tmp_path / "intent"
    shutil.copytree(tiny_settings.model_dir, folder)
    weights = folder / "encoder" / "model.safetensors"
    truncate(weights)
    with pytest.raises(DamagedFile) as caught:
        load_recognizer(folder, encoder, "cpu").warm_up()
    assert caught.value.path == str(weights)


@pytest.mark.parametrize("damage", [truncate, Path.unlink])
def test_a_damaged_or_missing_neighbour_vote_is_named(tmp_path: Path, tiny_settings: Settings,
                                                      encoder, damage) -> None:
    folder = tmp_path / "intent"
    shutil.copytree(tiny_settings.model_dir, folder)
    vote = folder / "neighbours.npz"
    damage(vote)
    with pytest.raises(DamagedFile) as caught:
        load_recognizer(folder, encoder, "cpu").warm_up()
    assert caught.value.path == str(vote)
    assert "teller train" in str(caught.value)
