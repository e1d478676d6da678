"""`teller train | eval`: build the intent model and the FAQ index; measure the model, or
whole conversations (`eval --dialogues`).

The `training` package is imported inside the commands: it is heavy.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from bot.cli.common import (
    DataDirOption,
    KbOption,
    configure_logging,
    fail,
    load_runtime,
    load_settings,
)
from bot.errors import TellerError

if TYPE_CHECKING:
    from bot.nlu.recognizer import IntentRecognizer


def train(
    data: Annotated[
        list[Path] | None,
        typer.Option("--data", help="Extra labelled CSV/JSONL (text + category); repeatable"),
    ] = None,
    oos_data: Annotated[
        list[Path] | None,
        typer.Option("--oos-data", help="CLINC150 data_full.json: out-of-scope tuning rows"),
    ] = None,
    model: Annotated[
        str | None, typer.Option(help="finetuned | embedding-head (TELLER_INTENT_MODEL)")
    ] = None,
    kb: KbOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Train the intent model on the KB (plus --data files) and rebuild the FAQ index."""
    from bot.kb import load_knowledge_base
    from bot.nlu.encoder import SentenceEncoder
    from training.prepare import prepare_models

    configure_logging()
    settings = load_settings(kb, data_dir, intent_model=model)
    try:
        knowledge = load_knowledge_base(settings.kb_dir, settings.bank_name)
        encoder = SentenceEncoder.from_settings(settings)
        result = prepare_models(settings, knowledge, encoder, force=True,
                                data_files=data or [], oos_files=oos_data or [])
    except TellerError as exc:
        raise fail(str(exc)) from exc
    report, scope = result.trained, result.scope_metrics or {}
    assert report is not None
    accuracy = (f"{report.validation_accuracy:.1%} on {report.validation_examples} held-out "
                "examples" if report.validation_accuracy is not None else "n/a")
    with_vote = getattr(report, "validation_accuracy_with_neighbours", None)
    if with_vote is not None:
        accuracy += f" ({with_vote:.1%} with the neighbour vote)"
    typer.echo(
        f"trained {settings.intent_model} model on {report.examples} examples, "
        f"{report.labels} intents in {report.seconds}s; validation accuracy {accuracy}; "
        f"out-of-scope threshold {scope.get('threshold', 0):.3f} (validation recall "
        f"{scope.get('validation_oos_recall', 0):.1%}, false rejection "
        f"{scope.get('validation_false_rejection', 0):.1%}); model in {settings.model_dir}, "
        f"index in {settings.index_dir}"
    )


def evaluate_command(
    data: Annotated[
        list[Path] | None,
        typer.Option("--data", help="Labelled CSV/JSONL (text + category; rows labelled "
                                    "out_of_scope must be declined); repeatable: with several "
                                    "files (or with --oos) one table over all of them"),
    ] = None,
    dialogues: Annotated[
        Path | None,
        typer.Option("--dialogues", help="Whole conversations: a dialogue suite YAML file or "
                                         "a folder of them (e.g. benchmarks/dialogues)"),
    ] = None,
    tags: Annotated[
        list[str] | None,
        typer.Option("--tag", help="With --dialogues: only conversations with this tag; "
                                   "repeatable"),
    ] = None,
    oos: Annotated[
        Path | None,
        typer.Option("--oos", help="Out-of-scope messages: CLINC150 data_full.json or a CSV "
                                   "with a text column"),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON")] = False,
    out: Annotated[
        Path | None, typer.Option("--out", help="Report folder (default: data dir/reports/...)")
    ] = None,
    kb: KbOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Accuracy, macro-F1, confusions and calibration of the current model on labelled data;
    with --oos, out-of-scope AUROC, recall and in-scope accuracy at the chosen threshold.
    With several --data files: one table, a column group per file (and per --oos file).
    With --dialogues instead: task success of whole simulated conversations."""
    from dataclasses import asdict
    from datetime import UTC, datetime

    if (not data) == (dialogues is None):
        raise fail("give exactly one of --data FILE (the intent model on labelled messages) "
                   "or --dialogues FILE_OR_FOLDER (whole conversations)")
    if dialogues is not None and oos is not None:
        raise fail("--oos goes with --data, not with --dialogues")
    if dialogues is None and tags:
        raise fail("--tag goes with --dialogues")
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    if dialogues is not None:
        _evaluate_dialogues(dialogues, tags or [], as_json, out, kb, data_dir, stamp)
        return
    assert data
    from training.evaluate import evaluate

    configure_logging()
    logging.getLogger().setLevel(logging.WARNING)
    settings = load_settings(kb, data_dir)
    assistant = load_runtime(settings, in_memory=True).assistant
    folder = out or settings.data_dir / "reports" / f"eval-{stamp}"
    recognizer = assistant.classifier
    if len(data) > 1:
        _evaluate_table(recognizer, data, oos, as_json, folder)
        return
    try:
        report = evaluate(recognizer, data[0], oos, folder)
    except TellerError as exc:
        raise fail(str(exc)) from exc
    if as_json:
        typer.echo(json.dumps(asdict(report), indent=2))
        return
    typer.echo(f"{report.messages} messages: accuracy {report.accuracy:.2%}, macro-F1 "
               f"{report.macro_f1:.4f}, calibration error (ECE) "
               f"{report.expected_calibration_error:.4f}")
    if report.unknown_labels:
        typer.echo(f"labels the model does not know: {report.unknown_labels}")
    for pair in report.most_confused[:5]:
        typer.echo(f"  {pair['count']:3d} x {pair['true']} -> {pair['predicted']}")
    if report.out_of_scope:
        o = report.out_of_scope
        typer.echo(f"out of scope ({o.source}): AUROC {o.auroc:.4f}; at threshold "
                   f"{o.threshold:.3f}: recall {o.oos_recall:.1%}, in-scope false rejection "
                   f"{o.in_scope_false_rejection:.1%}, accuracy {o.accuracy_with_rejection:.2%} "
                   f"({o.accuracy_loss_points:+.2f} points lost)")
    typer.echo(f"report, reliability.png and confusion.png in {folder}")


def _evaluate_table(recognizer: IntentRecognizer, sources: list[Path], oos: Path | None,
                    as_json: bool, folder: Path) -> None:
    """One row for the serving model: accuracy and false rejection per labelled file,
    out-of-scope recall and AUROC where a source has messages to decline."""
    from dataclasses import asdict

    from training.understanding import render_table, score_sources

    try:
        scores = score_sources(recognizer, sources, oos)
    except TellerError as exc:
        raise fail(str(exc)) from exc
    payload = [asdict(score) for score in scores]
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "understanding.json").write_text(json.dumps(payload, indent=2), encoding="utf-8")
    if as_json:
        typer.echo(json.dumps(payload, indent=2))
        return
    typer.echo(render_table([(recognizer.kind, scores)]))
    typer.echo(f"report in {folder / 'understanding.json'}")


def _evaluate_dialogues(suite_path: Path, tags: list[str], as_json: bool, out: Path | None,
                        kb: Path | None, data_dir: Path | None, stamp: str) -> None:
    """Play the suite against the configured KB and model (sessions in memory); print the
    figures and the failing transcripts, and write report.json."""
    from training.dialogue_eval import build_report, load_suite, render_text, run_suite
    from training.dialogue_eval.suite import select

    try:  # a broken suite is reported before the models load
        conversations = select(load_suite(suite_path), tags or None)
    except TellerError as exc:
        raise fail(str(exc)) from exc
    if not conversations:
        raise fail(f"no conversation in {suite_path} has the tag(s) {tags}")
    configure_logging()
    logging.getLogger().setLevel(logging.WARNING)
    settings = load_settings(kb, data_dir)
    assistant = load_runtime(settings, in_memory=True).assistant
    report = build_report(run_suite(assistant, conversations))
    folder = out or settings.data_dir / "reports" / f"dialogues-{stamp}"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "report.json").write_text(json.dumps(report.to_dict(), indent=2),
                                        encoding="utf-8")
    if as_json:
        typer.echo(json.dumps(report.to_dict(), indent=2))
        return
    typer.echo(render_text(report))
    typer.echo(f"report in {folder / 'report.json'}")
