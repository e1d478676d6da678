"""The whole-conversation evaluation (training.dialogue_eval): the suite loader, the simulated
customer, the report, and a fast tagged subset of benchmarks/dialogues/ on the default KB."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app
from bot.kb import KnowledgeBase
from bot.nlu.encoder import SentenceEncoder
from bot.response import BotResponse, Button
from training.dialogue_eval import (
    ConversationResult,
    CustomerSimulator,
    SuiteError,
    build_report,
    load_suite,
    render_text,
    run_conversation,
    run_suite,
)
from training.dialogue_eval.runner import TurnRecord
from training.dialogue_eval.simulator import question_of
from training.dialogue_eval.suite import Conversation, Profile, select

SUITE = Path(__file__).resolve().parents[2] / "benchmarks" / "dialogues"
# The fast subset's success rate as measured on the default KB (rounded down). Raise it as
# the dialogue manager improves; do not lower it to make a regression pass.
FAST_SUBSET_SUCCESS_BAR = 0.8  # 18/21 = 0.86 measured on 2026-12-02 (one conversation of slack)

LOAN_FACTS = {"amount": "5000", "duration": "2 years", "purpose": "doing up the kitchen",
              "age": "41", "employment": "9 years", "housing": "I rent a flat",
              "savings": "about 3000"}
PORTFOLIO_FACTS = {"age": "35", "horizon": "30 years", "investment_goal": "growth",
                   "drop_reaction": "hold", "income_stability": "steady job"}
# The forms' slot names, for the test only: the simulator never sees them.
FACT_OF_SLOT = {"amount": "amount", "duration_months": "duration", "purpose": "purpose",
                "age": "age", "employment_years": "employment", "housing": "housing",
                "savings": "savings", "horizon_years": "horizon", "goal": "investment_goal",
                "reaction_to_drop": "drop_reaction", "income_stability": "income_stability"}
MINIMAL = """
conversations:
  - id: lost-card
    goal: lost_card
    script:
      - say: lost my card
    success: {max_turns: 2, all: [{response_id: faq:lost-or-stolen-card}]}
"""


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def reply(text: str, action: str = "form_ask", buttons: list[Button] | None = None,
          **fields: object) -> BotResponse:
    return BotResponse(session_id="s", text=text, action=action,  # type: ignore[arg-type]
                       buttons=buttons or [], **fields)  # type: ignore[arg-type]


# -- the loader ---------------------------------------------------------------------------


def test_the_benchmark_suite_loads_with_every_goal_and_a_fast_subset() -> None:
    conversations = load_suite(SUITE)
    goals = {c.goal for c in conversations}
    assert len(conversations) >= 120
    assert len(goals) == 12
    fast = select(conversations, ["fast"])
    assert 18 <= len(fast) <= 24 and {c.goal for c in fast} == goals


def test_a_minimal_file_loads_with_the_success_shorthand(tmp_path: Path) -> None:
    [conversation] = load_suite(write(tmp_path, "one.yaml", MINIMAL))
    assert conversation.source == str(tmp_path / "one.yaml")
    assert conversation.success.model_dump() == {"max_turns": 2, "any_of": [{
        "ordered": True, "all": [{"action": None, "response_id": ["faq:lost-or-stolen-card"],
                                  "intent": None, "form": None, "text_contains": None,
                                  "data": None}]}]}


@pytest.mark.parametrize(("change", "message"), [
    (("goal: lost_card", "goal: lost_wallet"),
     "conversation 'lost-card' (#1): goal: Value error, unknown goal 'lost_wallet'"),
    (("- say: lost my card", "- simulate: 1"),
     "conversation 'lost-card' (#1): Value error, the script must open with 'say'"),
    (("response_id: faq:lost-or-stolen-card", "action: answer_faqs"),
     "unknown action(s) ['answer_faqs']"),
    (("script:", "profile: {facts: {pets: a dog}}\n    script:"),
     "facts ['pets'] need 'about: [what they answer]'"),
    (("max_turns: 2", "max_turns: 0"),
     "success.max_turns: Input should be greater than or equal to 1"),
    (("    script:", "    colour: blue\n    script:"), "colour: Extra inputs are not permitted"),
])
def test_a_bad_conversation_names_the_file_and_the_conversation(
        tmp_path: Path, change: tuple[str, str], message: str) -> None:
    path = write(tmp_path, "bad.yaml", MINIMAL.replace(*change))
    with pytest.raises(SuiteError) as error:
        load_suite(path)
    assert str(error.value).startswith(f"{path}: conversation 'lost-card' (#1): ")
    assert message in str(error.value)


def test_bad_files_and_folders_are_refused_with_their_path(tmp_path: Path) -> None:
    with pytest.raises(SuiteError, match="no such suite file or folder"):
        load_suite(tmp_path / "missing.yaml")
    with pytest.raises(SuiteError, match=re.escape("no *.yaml suite files")):
        load_suite(tmp_path)
    path = write(tmp_path, "list.yaml", "- just a list\n")
    with pytest.raises(SuiteError, match=f"^{re.escape(str(path))}: a suite file is a mapping"):
        load_suite(path)
    path.write_text("conversations: [\n", encoding="utf-8")
    with pytest.raises(SuiteError, match="cannot read the suite file"):
        load_suite(path)


def test_a_duplicate_id_names_both_files(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", MINIMAL)
    second = write(tmp_path, "b.yaml", MINIMAL)
    with pytest.raises(SuiteError) as error:
        load_suite(tmp_path)
    assert str(error.value) == (f"{second}: conversation 'lost-card' has the same id as one "
                                f"in {tmp_path / 'a.yaml'}")


def test_expectations_match_in_order_or_in_any_order() -> None:
    conversation = Conversation.model_validate({
        "id": "c", "goal": "two_requests", "script": [{"say": "x"}],
        "success": {"max_turns": 3, "any_of": [
            {"all": [{"action": "clarify"}, {"response_id": ["faq:a", "faq:b"]}]},
            {"ordered": False, "all": [{"response_id": "faq:a"}, {"response_id": "faq:b"}]},
        ]}})
    answer_a = reply("A", "answer_faq", response_id="faq:a")
    answer_b = reply("B", "answer_faq", response_id="faq:b")
    clarify = reply("Did you mean?", "clarify")
    success = conversation.success
    assert success.met([answer_b, answer_a])
    assert success.met([clarify, answer_b])
    assert not success.met([answer_a, clarify])
    assert not success.met([answer_a])


def test_an_expectation_checks_nested_tool_data_and_text() -> None:
    conversation = Conversation.model_validate({
        "id": "c", "goal": "form_correction", "script": [{"say": "x"}],
        "success": {"max_turns": 9, "all": [{
            "action": "tool_result", "form": "loan_application", "text_contains": "indicative",
            "data": {"application.amount_eur": 8000}}]}})
    expect = conversation.success.any_of[0].all[0]
    done = reply("An Indicative result.", "tool_result", form="loan_application",
                 data={"application": {"amount_eur": 8000.0}})
    assert expect.matches(done)
    assert not expect.matches(done.model_copy(update={"data": {"application": {}}}))
    assert not expect.matches(done.model_copy(update={"form": "portfolio_advice"}))


# -- the simulated customer ---------------------------------------------------------------


def customer(encoder: SentenceEncoder, facts: dict[str, str], style: str = "one_at_a_time",
             wants: list[str] | None = None) -> CustomerSimulator:
    profile = Profile.model_validate({"style": style, "facts": facts})
    return CustomerSimulator(encoder, profile, wants or [])


def test_question_of_takes_the_last_question() -> None:
    assert question_of('Intro text.\n\nSay "cancel" to stop. How old are you?') == (
        "How old are you?")
    assert question_of('How long? For example "3 years".') == "How long?"
    assert question_of("No question here.") is None
    # after a side answer, the form's question follows a colon: the question is read alone
    assert question_of("You do not need to do anything.\n\nTo carry on with the personal "
                       "loan check: How old are you?") == "How old are you?"


@pytest.mark.parametrize("form", ["loan_application", "portfolio_advice"])
def test_the_customer_answers_each_form_question_with_the_right_fact(
        encoder: SentenceEncoder, default_kb: KnowledgeBase, form: str) -> None:
    facts = LOAN_FACTS if form == "loan_application" else PORTFOLIO_FACTS
    simulated = customer(encoder, facts)
    for slot in reversed(default_kb.forms[form].slots):  # any order
        move = simulated.reply(reply(slot.ask))
        assert move is not None and move.facts == (FACT_OF_SLOT[slot.name],), slot.ask
        assert move.text == facts[FACT_OF_SLOT[slot.name]]


@pytest.mark.parametrize(("question", "fact"), [
    ("What sum are you hoping to borrow?", "amount"),
    ("How big a loan are you after?", "amount"),
    ("How many months or years do you want to pay it back over?", "duration"),
    ("What would you use the money for?", "purpose"),
    ("May I ask your age?", "age"),
    ("Are you in work at the moment, and for how long?", "employment"),
    ("Are you renting, or do you own where you live?", "housing"),
    ("Have you got any money put by?", "savings"),
])
def test_the_customer_understands_questions_in_other_words(
        encoder: SentenceEncoder, question: str, fact: str) -> None:
    move = customer(encoder, LOAN_FACTS).reply(reply(question))
    assert move is not None and move.facts == (fact,)


def test_the_customer_does_not_answer_what_it_does_not_know(encoder: SentenceEncoder) -> None:
    simulated = customer(encoder, {"amount": "4000"})
    assert simulated.reply(reply("Over how long would you like to repay it?")) is None
    assert simulated.reply(reply("What is the loan for?")) is None
    move = simulated.reply(reply("How much are you looking to borrow?"))
    assert move is not None and move.text == "4000"


def test_several_at_once_adds_the_next_fact_not_given(encoder: SentenceEncoder) -> None:
    simulated = customer(encoder, LOAN_FACTS, style="several_at_once")
    first = simulated.reply(reply("How much would you like to borrow?"))
    assert first is not None and first.text == "5000, 2 years"
    second = simulated.reply(reply("And what's the money for?"))
    assert second is not None and second.text == "doing up the kitchen, 41"


def test_offers_buttons_and_silence(encoder: SentenceEncoder) -> None:
    simulated = customer(encoder, {"amount": "5000"}, wants=["a personal loan"])
    assert simulated.reply(reply("Shall I start a personal loan check?", "answer_faq")
                           ).text == "yes please"  # type: ignore[union-attr]
    assert simulated.reply(reply("Our personal loans run from 1,000 to 50,000 euros.\n\n"
                                 "Shall we go through a few questions now?", "answer_faq")
                           ).text == "yes please"  # type: ignore[union-attr]
    assert simulated.reply(reply("Would you like to open a savings account?", "answer_faq")
                           ).text == "no thanks"  # type: ignore[union-attr]
    buttons = [Button(title="Card delivery", payload="/card_arrival"),
               Button(title="Borrowing money", payload="/loan_enquiry")]
    pressed = simulated.reply(reply("Did you mean one of these?", "clarify", buttons))
    assert pressed is not None and pressed.text == "/loan_enquiry"
    assert simulated.reply(reply("Our app is free to download.", "answer_faq")) is None


# -- the report ---------------------------------------------------------------------------


def result(goal: str, success: bool, turns: int) -> ConversationResult:
    turn = TurnRecord("hi", "scripted", "Hello!\nHow can I help?", "answer_intent",
                      "utter_greet", "greet", None, ["Cards"])
    return ConversationResult(f"{goal}-{turns}", goal, [], "terse", "x.yaml", "[action=handoff]",
                              success, turns, "met" if success else "not met within 3 customer "
                              "turns", [turn] * turns)


def test_the_report_counts_success_and_turns_per_goal() -> None:
    report = build_report([result("human_handoff", True, 1), result("human_handoff", False, 3),
                           result("lost_card", True, 2)])
    assert (report.conversations, report.succeeded, report.success_rate, report.avg_turns) == (
        3, 2, 0.6667, 2.0)
    assert [(g.goal, g.conversations, g.succeeded, g.success_rate, g.avg_turns,
             g.avg_turns_succeeded) for g in report.goals] == [
        ("lost_card", 1, 1, 1.0, 2.0, 2.0), ("human_handoff", 2, 1, 0.5, 2.0, 1.0)]
    data = report.to_dict()
    assert [f["id"] for f in data["failures"]] == ["human_handoff-3"]
    assert data["failures"][0]["transcript"][0] == {
        "customer": "hi", "how": "scripted", "bot": "Hello!\nHow can I help?",
        "action": "answer_intent", "response_id": "utter_greet", "intent": "greet",
        "form": None, "buttons": ["Cards"], "latency_ms": 0.0}
    assert len(data["conversations_run"]) == 3
    text = render_text(report)
    assert text.splitlines()[0] == ("2/3 conversations reached their goal (66.7%); 2.00 "
                                    "customer turns on average; the assistant's time per turn "
                                    "p50 0.0 ms, p99 0.0 ms")
    assert "--- human_handoff-3 [human_handoff] (x.yaml)" in text
    assert "    failed after 3 turn(s): not met within 3 customer turns" in text
    assert ("     bot [action=answer_intent, response_id=utter_greet, intent=greet]: Hello!\n"
            "         How can I help?") in text


# -- against the default knowledge base ---------------------------------------------------


def test_the_runner_records_why_a_conversation_failed(default_assistant) -> None:
    conversation = Conversation.model_validate({
        "id": "never", "goal": "human_handoff", "script": [{"say": "hello there"}],
        "success": {"max_turns": 3, "all": [{"action": "tool_result"}]}})
    played = run_conversation(default_assistant, conversation)
    assert not played.success and played.turns == 1
    assert played.reason.startswith("the customer had nothing to answer to: ")
    assert played.transcript[0].customer == "hello there"
    assert played.transcript[0].intent == "greet"


def test_the_fast_subset_reaches_the_bar(default_assistant) -> None:
    conversations = select(load_suite(SUITE), ["fast"])
    report = build_report(run_suite(default_assistant, conversations))
    assert report.success_rate >= FAST_SUBSET_SUCCESS_BAR, render_text(report)


# -- the command line ---------------------------------------------------------------------


@pytest.mark.parametrize(("options", "message"), [
    ([], "give exactly one of --data FILE"),
    (["--data", "x.csv", "--dialogues", "suite"], "give exactly one of --data FILE"),
    (["--dialogues", "suite", "--oos", "x.json"], "--oos goes with --data"),
    (["--data", "x.csv", "--tag", "fast"], "--tag goes with --dialogues"),
])
def test_eval_wants_exactly_one_of_data_or_dialogues(options: list[str], message: str) -> None:
    outcome = CliRunner().invoke(app, ["eval", *options])
    assert outcome.exit_code == 2
    assert message in outcome.output


def test_eval_reports_a_broken_suite_before_loading_models(tmp_path: Path) -> None:
    path = write(tmp_path, "bad.yaml", MINIMAL.replace("goal: lost_card", "goal: nope"))
    outcome = CliRunner().invoke(app, ["eval", "--dialogues", str(path)])
    assert outcome.exit_code == 2
    assert f"{path}: conversation 'lost-card' (#1): goal:" in outcome.output
