"""The suite's figures: task success per goal and overall, customer turns, and the full
transcript of every failing conversation (what a dialogue engineer needs to fix it)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from training.dialogue_eval.runner import ConversationResult
from training.dialogue_eval.suite import GOALS


@dataclass(frozen=True)
class GoalFigures:
    goal: str
    description: str
    conversations: int
    succeeded: int
    success_rate: float
    avg_turns: float  # over every conversation of the goal
    avg_turns_succeeded: float | None  # over the successful ones (None: none succeeded)


@dataclass
class SuiteReport:
    conversations: int
    succeeded: int
    success_rate: float
    avg_turns: float
    goals: list[GoalFigures]
    results: list[ConversationResult] = field(default_factory=list)
    turn_p50_ms: float = 0.0  # the assistant's time per turn, over every turn played
    turn_p99_ms: float = 0.0

    @property
    def failures(self) -> list[ConversationResult]:
        return [r for r in self.results if not r.success]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: the figures, then every conversation (failing ones with transcripts
        first in `failures`, all of them summarised in `conversations_run`)."""
        figures = {k: v for k, v in asdict(self).items() if k != "results"}
        figures["failures"] = [asdict(r) for r in self.failures]
        figures["conversations_run"] = [
            {"id": r.id, "goal": r.goal, "success": r.success, "turns": r.turns,
             "reason": r.reason} for r in self.results]
        return figures


def _mean(values: list[int]) -> float:
    return round(sum(values) / len(values), 2) if values else 0.0


def build_report(results: list[ConversationResult]) -> SuiteReport:
    goals = []
    order = [g for g in GOALS if any(r.goal == g for r in results)]
    for goal in order:
        mine = [r for r in results if r.goal == goal]
        won = [r for r in mine if r.success]
        goals.append(GoalFigures(
            goal, GOALS[goal], len(mine), len(won), round(len(won) / len(mine), 4),
            _mean([r.turns for r in mine]), _mean([r.turns for r in won]) if won else None))
    won_all = sum(r.success for r in results)
    latencies = sorted(t.latency_ms for r in results for t in r.transcript)
    return SuiteReport(len(results), won_all,
                       round(won_all / len(results), 4) if results else 0.0,
                       _mean([r.turns for r in results]), goals, results,
                       _percentile(latencies, 50), _percentile(latencies, 99))


def _percentile(ordered: list[float], q: float) -> float:
    if not ordered:
        return 0.0
    return round(ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))], 2)


def render_transcript(result: ConversationResult) -> str:
    lines = [f"--- {result.id} [{result.goal}] ({result.source})",
             f"    persona: {result.persona or '-'}",
             f"    expected: {result.expected}",
             f"    failed after {result.turns} turn(s): {result.reason}"]
    for number, turn in enumerate(result.transcript, start=1):
        lines.append(f"  {number}. customer ({turn.how}): {turn.customer}")
        detail = ", ".join(f"{k}={v}" for k, v in [
            ("action", turn.action), ("response_id", turn.response_id),
            ("intent", turn.intent), ("form", turn.form)] if v)
        lines.append(f"     bot [{detail}]: " + turn.bot.replace("\n", "\n         "))
        if turn.buttons:
            lines.append(f"     buttons: {turn.buttons}")
    return "\n".join(lines)


def render_text(report: SuiteReport, transcripts: bool = True) -> str:
    lines = [f"{report.succeeded}/{report.conversations} conversations reached their goal "
             f"({report.success_rate:.1%}); {report.avg_turns:.2f} customer turns on average; "
             f"the assistant's time per turn p50 {report.turn_p50_ms:.1f} ms, "
             f"p99 {report.turn_p99_ms:.1f} ms",
             "",
             f"{'goal':24} {'success':>12} {'rate':>7} {'turns':>6} {'turns ok':>9}"]
    for g in report.goals:
        ok = f"{g.avg_turns_succeeded:.2f}" if g.avg_turns_succeeded is not None else "-"
        lines.append(f"{g.goal:24} {g.succeeded:>5}/{g.conversations:<6} "
                     f"{g.success_rate:>7.0%} {g.avg_turns:>6.2f} {ok:>9}")
    if transcripts and report.failures:
        lines += ["", f"failing conversations ({len(report.failures)}):", ""]
        lines += [render_transcript(r) + "\n" for r in report.failures]
    return "\n".join(lines)
