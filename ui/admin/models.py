"""The Models tab: retrain (in a child process, see `ui.admin.retrain_job`), the model
versions, promote and roll back (file renames in `training.registry`, done in-process)."""

from __future__ import annotations

import html
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import gradio as gr
import pandas as pd

from bot.config import Settings
from bot.errors import TellerError
from training.registry import ModelRegistry
from ui.admin.common import message
from ui.admin.retrain_job import RetrainJob, RetrainOutcome, RetrainRun

VERSION_COLUMNS = ["version", "serving", "status", "created", "held-out accuracy", "why"]
POLL_SECONDS = 1.0
Retrained = tuple[Any, Any, Any]  # output, report, versions


def versions_table(registry: ModelRegistry) -> pd.DataFrame:
    """Every version, oldest first, with the one being served marked."""
    current = registry.current()
    rows = [{"version": info.name, "serving": "yes" if info.name == current else "",
             "status": info.status, "created": info.created_at[:16],
             "held-out accuracy": info.metrics.get("accuracy"), "why": "; ".join(info.reasons)}
            for info in registry.versions()]
    return pd.DataFrame(rows, columns=VERSION_COLUMNS)


def report_html(report: dict[str, Any]) -> str:
    """A version's `report.json` (a `training.retrain.RetrainReport`) as a short summary."""
    current = report.get("current")
    serving = f"{current['accuracy']:.2%}" if current else "none"
    delta = report.get("overall_delta")
    change = f"{delta:+.2%}" if delta is not None else "n/a"
    verdict = ("promoted: the assistant now uses it" if report["promoted"] else
               "kept, not promoted: " + "; ".join(report["decision"]["reasons"]))
    worst = sorted(report.get("per_intent_delta", {}).items(), key=lambda kv: kv[1])[:5]
    worse = "".join(f"<li>{html.escape(name)}: {d:+.1%}</li>" for name, d in worst if d < 0)
    confusions = "".join(f"<li>{html.escape(pair)}: {n}</li>"
                         for pair, n in list(report.get("new_confusions", {}).items())[:5])
    return (f"<div role=status><b>Version {html.escape(report['version'])}</b>: "
            f"{html.escape(verdict)}.<br>Held-out accuracy "
            f"{report['candidate']['accuracy']:.2%} (serving model {serving}, change "
            f"{change}) on {sum(report['holdout'].values())} messages; trained in "
            f"{report['seconds']:.0f} s."
            + (f"<br>Intents that got worse:<ul>{worse}</ul>" if worse else "")
            + (f"New confusions:<ul>{confusions}</ul>" if confusions else "") + "</div>")


def outcome_html(outcome: RetrainOutcome) -> str:
    """What a finished retrain did: failed, trained a version (its report), or skipped."""
    if not outcome.ok:
        why = outcome.last_line or f"exit status {outcome.returncode}"
        return message(f"Retraining failed, nothing changed: {why}", ok=False)
    if outcome.report is not None:
        return report_html(outcome.report)
    if outcome.version is not None:
        return message(f"Version {outcome.version} trained; its report could not be read.",
                       ok=True)
    return message(f"Nothing trained: {outcome.last_line}", ok=True)


def running_html(run: RetrainRun) -> str:
    """While the child runs (no `role=status`: the result is not in yet)."""
    started = run.started_at.astimezone().strftime("%H:%M:%S")
    seconds = (datetime.now(UTC) - run.started_at).total_seconds()
    return (f'<div aria-busy="true">Retraining in a separate process since {started} '
            f"({seconds:.0f} s); its output is below. Closing this page does not stop it."
            "</div>")


def switch_note(settings: Settings) -> str:
    if settings.model_reload_seconds > 0:
        return f"the assistant switches to it within {settings.model_reload_seconds:g} s"
    return "restart the server to serve it (TELLER_MODEL_RELOAD_SECONDS is 0)"


def promote_version(registry: ModelRegistry, name: str) -> None:
    """Serve version `name`, as `teller models promote` does (fails fast while a retrain
    holds the registry)."""
    with registry.lock():
        registry.recover()
        registry.import_serving_model()
        registry.promote(name)


def roll_back(registry: ModelRegistry) -> str:
    """Serve the version promoted before the current one, as `teller models rollback`."""
    with registry.lock():
        registry.recover()
        return registry.rollback()


def build_models_tab(settings: Settings, job: RetrainJob) -> None:
    """The tab; `job` runs the retrains (one at a time for the whole server)."""
    registry = ModelRegistry(settings)
    with gr.Tab("Models", id="models") as tab:
        gr.Markdown("Retrain on the knowledge base and the reviewed messages. The candidate "
                    "is compared with the serving model on the same held-out messages and "
                    f"promoted only if it is not worse; {switch_note(settings)}. Retraining "
                    "runs `teller retrain` in a separate process for minutes; schedulers can "
                    "run `teller cycle` instead.")
        versions = gr.Dataframe(value=lambda: versions_table(registry), interactive=False,
                                wrap=True, label="Model versions", elem_id="versions-table")
        retrain = gr.Button("Retrain now", variant="primary", elem_id="retrain")
        report = gr.HTML(elem_id="retrain-report")
        output = gr.Textbox(label="Retraining output", lines=6, max_lines=16,
                            interactive=False, autoscroll=True, elem_id="retrain-output")
        with gr.Row():
            chosen = gr.Dropdown(label="Version", choices=[], allow_custom_value=True,
                                 elem_id="version-choice")
            promote = gr.Button("Promote this version", elem_id="promote")
            rollback = gr.Button("Roll back to the previous version", elem_id="rollback")

    def retrain_clicked() -> Iterator[Retrained]:
        run = job.start()
        if run is None:
            going = job.current
            since = going.started_at.astimezone().strftime("%H:%M:%S") if going else "?"
            yield (gr.update(), message(f"A retrain is already running (started at {since}); "
                                        "wait for it to finish.", ok=False), gr.update())
            return
        while not run.done.wait(POLL_SECONDS):
            yield run.output(), running_html(run), gr.update()
        assert run.outcome is not None  # set before `done`
        yield run.output(), outcome_html(run.outcome), versions_table(registry)

    def promote_clicked(name: str | None) -> tuple[str, Any]:
        if not name:
            return message("Choose a version.", ok=False), gr.update()
        try:
            promote_version(registry, name)
        except TellerError as exc:
            return message(str(exc), ok=False), gr.update()
        return (message(f"Version {name} promoted; {switch_note(settings)}.", ok=True),
                versions_table(registry))

    def rollback_clicked() -> tuple[str, Any]:
        try:
            name = roll_back(registry)
        except TellerError as exc:
            return message(str(exc), ok=False), gr.update()
        return (message(f"Rolled back to {name}; {switch_note(settings)}.", ok=True),
                versions_table(registry))

    def version_names() -> Any:
        return gr.update(choices=[v.name for v in registry.versions()])

    # concurrency_limit=None: a click from a second page is answered at once ("already
    # running") instead of waiting in Gradio's queue behind the first retrain.
    retrain.click(retrain_clicked, None, [output, report, versions], concurrency_limit=None)
    promote.click(promote_clicked, chosen, [report, versions])
    rollback.click(rollback_clicked, None, [report, versions])
    tab.select(lambda: versions_table(registry), None, versions)
    versions.change(version_names, None, chosen)
