"""The Models tab's retrain child process: output followed, one run at a time, outcome read."""

from __future__ import annotations

import sys
from pathlib import Path

from bot.config import Settings
from ui.admin.models import outcome_html
from ui.admin.retrain_job import RetrainJob, child_environment, retrain_command

PROGRESS_THEN_FAIL = (
    "import sys, time\n"
    "for i in range(3):\n"
    "    sys.stderr.write(f'\\rbar {i}/3'); sys.stderr.flush(); time.sleep(0.2)\n"
    "sys.stderr.write('\\n')\n"
    "print('line two')\n"
    "print('error: broke', file=sys.stderr)\n"
    "sys.exit(2)\n"
)


def test_the_child_gets_the_servers_kb_data_and_settings(tmp_path: Path) -> None:
    settings = Settings(kb_dir=tmp_path / "kb", data_dir=tmp_path / "data",
                        intent_model="embedding-head", retrain_holdout_data=None)
    assert retrain_command(settings) == [
        sys.executable, "-m", "bot.cli", "retrain", "--kb", str(tmp_path / "kb"),
        "--data-dir", str(tmp_path / "data")]
    env = child_environment(settings)
    assert env["TELLER_INTENT_MODEL"] == "embedding-head"
    assert "TELLER_RETRAIN_HOLDOUT_DATA" not in env


def test_one_run_at_a_time_progress_lines_redrawn_and_the_error_reported(
    tmp_path: Path,
) -> None:
    job = RetrainJob(Settings(data_dir=tmp_path), [sys.executable, "-c", PROGRESS_THEN_FAIL])
    run = job.start()
    assert run is not None
    assert job.start() is None  # still running
    assert run.done.wait(30)
    assert run.output() == "bar 2/3\nline two\nerror: broke"
    assert run.outcome is not None and run.outcome.returncode == 2
    assert "Retraining failed, nothing changed: error: broke" in outcome_html(run.outcome)
    assert job.start() is not None  # the next one may start
