"""Whole-conversation evaluation: a YAML suite of customer goals, a simulated customer that
answers the bot's questions by meaning, a runner, and a report of task success.

    suite = load_suite(Path("benchmarks/dialogues"))
    report = run_suite(assistant, suite)
    print(render_text(report))

The modules: `suite` (the YAML format, validated on load), `simulator` (the customer),
`runner` (plays a conversation against an `Assistant`), `report` (figures and transcripts).
"""

from training.dialogue_eval.report import SuiteReport, build_report, render_text
from training.dialogue_eval.runner import ConversationResult, run_conversation, run_suite
from training.dialogue_eval.simulator import CustomerSimulator
from training.dialogue_eval.suite import Conversation, SuiteError, load_suite

__all__ = [
    "Conversation", "ConversationResult", "CustomerSimulator", "SuiteError", "SuiteReport",
    "build_report", "load_suite", "render_text", "run_conversation", "run_suite",
]
