"""`teller ingest | review | retrain | cycle`: teach the assistant from chat logs.

The `training` package is imported inside the commands: it is heavy.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from bot.cli.common import DataDirOption, KbOption, fail, load_settings
from bot.errors import TellerError
from bot.payloads import parse_target

if TYPE_CHECKING:
    from bot.config import Settings
    from bot.dialogue.review import ReviewService
    from bot.kb import KnowledgeBase
    from bot.nlu.encoder import SentenceEncoder
    from training.retrain import RetrainReport, Skipped


def _load(settings: Settings) -> tuple[KnowledgeBase, SentenceEncoder]:
    from bot.kb import load_knowledge_base
    from bot.nlu.encoder import SentenceEncoder

    kb = load_knowledge_base(settings.kb_dir, settings.bank_name)
    encoder = SentenceEncoder.from_settings(settings)
    encoder.warm_up()
    return kb, encoder


def review_service(settings: Settings, kb: KnowledgeBase, encoder: SentenceEncoder | None
                   ) -> ReviewService:
    """The review queue with the serving model's suggestions (when there is one)."""
    from bot.dialogue.review import LogExampleStore, ReviewService, Suggestion
    from bot.files import read_manifest
    from bot.nlu.recognizer import load_recognizer

    store = LogExampleStore(settings.resolved_database_url)
    if encoder is None or read_manifest(settings.model_dir) is None:
        return ReviewService(store, kb)
    recognizer = load_recognizer(settings.model_dir, encoder, settings.device)
    recognizer.warm_up()

    def suggest(texts: list[str]) -> list[list[Suggestion]]:
        return [[Suggestion(s.name, round(s.confidence, 3)) for s in p.ranking]
                for p in recognizer.predict_many(texts, top_k=3)]

    return ReviewService(store, kb, suggest, encoder.encode)


def ingest(
    logs: Annotated[list[Path] | None, typer.Option(
        "--logs", help="Chat-log export (JSONL or CSV: text, optional intent, answer, "
        "feedback); repeatable")] = None,
    faq: Annotated[list[Path] | None, typer.Option(
        "--faq", help="New or changed FAQ entries (KB YAML with a faq: list); repeatable")] = None,
    from_db: Annotated[bool, typer.Option(
        "--from-db/--no-db", help="Also take Teller's own review queue from its database")] = True,
    kb: KbOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Store chat logs (masked, de-duplicated) for review and retraining; add FAQ entries."""
    from bot.dialogue.review import LogExampleStore
    from bot.kb import load_knowledge_base
    from training.ingest import ingest_faq, read_log_file

    settings = load_settings(kb, data_dir)
    try:
        for path in faq or []:
            result = ingest_faq(settings.kb_dir, path, settings.bank_name)
            typer.echo(f"{path}: FAQ entries added {result.added or '-'}, changed "
                       f"{result.changed or '-'}, new intents {result.new_intents or '-'}")
        knowledge = load_knowledge_base(settings.kb_dir, settings.bank_name)
        store = LogExampleStore(settings.resolved_database_url)
        sources = [(str(p), read_log_file(p)) for p in logs or []]
        from_server = store.teller_review_records() if from_db else []
        if from_db:
            sources.append(("teller database", from_server))
        for name, records in sources:
            counts = store.add(records, set(knowledge.intents))
            typer.echo(f"{name}: {counts.added} new ({counts.labelled} already labelled), "
                       f"{counts.repeated} repeats, {counts.skipped} empty")
        if from_db:
            store.mark_review_items_ingested(from_server)
    except TellerError as exc:
        raise fail(str(exc)) from exc


def review(
    limit: Annotated[int, typer.Option(help="How many queue items to show")] = 20,
    label: Annotated[list[str] | None, typer.Option(
        "--label", help="ID=INTENT or ID=faq:FAQ_ID, without prompting; repeatable")] = None,
    dismiss: Annotated[list[int] | None, typer.Option(
        "--dismiss", help="Dismiss item ID (noise, not worth training); repeatable")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the queue as JSON")] = False,
    interactive: Annotated[bool, typer.Option(
        "--interactive/--list", help="Ask for a label for each item in turn")] = False,
    kb: KbOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """The review queue, most useful first, with the model's suggestions; label or dismiss."""
    settings = load_settings(kb, data_dir)
    try:
        knowledge, encoder = _load(settings) if not (label or dismiss) else (None, None)
        if knowledge is None:
            from bot.kb import load_knowledge_base

            knowledge = load_knowledge_base(settings.kb_dir, settings.bank_name)
        service = review_service(settings, knowledge, encoder)
        for spec in label or []:
            number, _, target = spec.partition("=")
            if not number.isdigit() or not target:
                raise fail(f"--label {spec!r}: write ID=INTENT or ID=faq:FAQ_ID")
            intent = _apply_label(service, int(number), target)
            typer.echo(f"item {number} labelled {intent}")
        for item_id in dismiss or []:
            service.dismiss(item_id)
            typer.echo(f"item {item_id} dismissed")
        if label or dismiss:
            return
        queue = service.queue(limit)
        if as_json:
            typer.echo(json.dumps([asdict(q) | {"suggests_new_faq": q.suggests_new_faq}
                                   for q in queue], indent=2))
            return
        if not queue:
            typer.echo("the review queue is empty")
            return
        for item in queue:
            hints = ", ".join(f"{i}. {s.intent} ({s.confidence:.2f})"
                              for i, s in enumerate(item.suggestions, start=1))
            flag = "  [similar unanswered questions: a new FAQ entry?]" \
                if item.suggests_new_faq else ""
            typer.echo(f"#{item.id} score {item.score:.2f} seen {item.seen} "
                       f"{item.reason or ''} cluster {item.cluster} x{item.cluster_size}{flag}\n"
                       f"    {item.text}\n    suggestions: {hints or '-'}")
            if interactive:
                _ask_label(service, item.id, [s.intent for s in item.suggestions])
    except TellerError as exc:
        raise fail(str(exc)) from exc


def _apply_label(service: ReviewService, item_id: int, text: str) -> str:
    """Label an item with a review target (bot.payloads): `faq:<id>` trains that FAQ entry's
    intent, anything else names an intent. Returns the intent trained."""
    target = parse_target(text)
    if target.kind == "faq":
        return service.label(item_id, faq=target.name)
    return service.label(item_id, intent=target.label)


def _ask_label(service: ReviewService, item_id: int, suggestions: list[str]) -> None:
    """Number = a suggestion, a name = an intent, faq:ID = an FAQ entry, d = dismiss,
    Enter = skip."""
    while True:
        answer = typer.prompt("    label (1-3, intent, faq:ID, d=dismiss, Enter=skip)",
                              default="", show_default=False).strip()
        try:
            if not answer:
                return
            if answer == "d":
                service.dismiss(item_id)
                return
            if answer.isdigit() and 1 <= int(answer) <= len(suggestions):
                answer = suggestions[int(answer) - 1]
            _apply_label(service, item_id, answer)
            return
        except TellerError as exc:
            typer.secho(f"    {exc}", fg=typer.colors.RED, err=True)


def _print_report(result: RetrainReport | Skipped) -> None:
    from training.retrain import Skipped

    if isinstance(result, Skipped):
        typer.echo(f"nothing new since version {result.version}: not retrained")
        return
    serving = f"{result.current.accuracy:.4f}" if result.current else "none"
    typer.echo(f"candidate {result.version}: held-out accuracy {result.candidate.accuracy:.4f} "
               f"(serving model {serving}); {result.holdout['frozen']} frozen + "
               f"{result.holdout['reviewed']} reviewed rows; {result.seconds:.0f} s")
    if result.promoted:
        typer.echo("promoted: the server switches to it within TELLER_MODEL_RELOAD_SECONDS")
    else:
        typer.echo("kept, not promoted: " + "; ".join(result.decision.reasons))


def retrain(
    data: Annotated[list[Path] | None, typer.Option(
        "--data", help="Base corpora (default: those the serving model was trained on)")] = None,
    promote: Annotated[bool, typer.Option(
        "--promote/--no-promote", help="Promote the candidate if it passes the gate")] = True,
    force: Annotated[bool, typer.Option(help="Retrain even if nothing changed")] = False,
    shuffle_labels: Annotated[bool, typer.Option(
        "--shuffle-labels", hidden=True, help="Drill: train a damaged candidate")] = False,
    kb: KbOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Train a candidate on the KB, the base corpora and the reviewed logs; evaluate it and
    the serving model on the same held-out set; promote it only if it is not worse."""
    from training.retrain import RetrainConfig
    from training.retrain import retrain as run

    settings = load_settings(kb, data_dir)
    try:
        knowledge, encoder = _load(settings)
        config = RetrainConfig.from_settings(
            settings, promote=promote, force=force, shuffle_labels=shuffle_labels,
            base_files=tuple(data) if data else None)
        _print_report(run(settings, knowledge, encoder, config, show_progress=True))
    except TellerError as exc:
        raise fail(str(exc)) from exc


def cycle(kb: KbOption = None, data_dir: DataDirOption = None) -> None:
    """For schedulers: ingest Teller's review queue, then retrain if anything changed.
    Idempotent (nothing new: nothing trained) and safe to kill (the next run cleans up)."""
    ingest(logs=None, faq=None, from_db=True, kb=kb, data_dir=data_dir)
    retrain(data=None, promote=True, force=False, shuffle_labels=False, kb=kb,
            data_dir=data_dir)
