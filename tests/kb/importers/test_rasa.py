"""The Rasa reader: a small bank bot written as a real Rasa 3 project, read back as intents."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.kb.importers.base import ImportedIntent, ReadResult, Skipped, UnreadableSource
from bot.kb.importers.rasa import (
    RasaTestStep,
    RasaTestStory,
    is_rasa_project,
    read_rasa_project,
    read_rasa_test_stories,
    strip_entities,
    teller_intent_name,
)

CONFIG = """\
recipe: default.v1
assistant_id: northbank-assistant
language: en
pipeline:
  - name: WhitespaceTokenizer
  - name: DIETClassifier
  - name: FallbackClassifier
    threshold: 0.3
"""

DOMAIN = """\
version: "3.1"
intents:
  - greet
  - lost_card
  - check_balance
  - ask_hours
  - faq
  - report-fraud
  - apply_loan
  - out_of_scope
forms:
  loan_form:
    required_slots:
      - amount
responses:
  utter_greet:
    - text: "Hello! How can I help you today?"
    - text: "Hi there, what can I do for you?"
  utter_block_card:
    - text: "I'm sorry to hear that. Call us on 0800 123 456 to block your card."
      buttons:
        - title: "Call now"
          payload: "/call"
  utter_anything_else:
    - text: "Is there anything else I can help with?"
  utter_ask_hours:
    - text: "Our branches are open 9:00-17:00, Monday to Friday."
    - text: "Hello {name}, we open at 9."
    - text: "Tap below to see the map."
      channel: facebook
  utter_fraud:
    - text: "Please call our fraud line on 0800 999 000 straight away."
  utter_out_of_scope:
    - text: "Sorry, I can't help with that."
  utter_ask_amount:
    - text: "How much would you like to borrow?"
"""

NLU = """\
version: "3.1"
nlu:
- intent: greet
  examples: |
    - hello
    - hi there
- intent: lost_card
  examples: |
    - I lost my [credit card]{"entity": "card_type", "value": "credit"}
    - my [debit card](card_type) was stolen
    - someone took my [card]{"entity": "card_type", "role": "own"} in [Dublin](city)
    - my [credit card](card_type:credit) is missing
    - lost [debit card][{"entity": "card_type"}, {"entity": "product", "group": "1"}]
- intent: check_balance
  examples: |
    - what's my balance
    - how much money is in my [savings](account_type) account
- intent: ask_hours
  examples:
  - text: |
      when are you open
    metadata:
      sentiment: neutral
  - text: are you open on [saturday](day)?
- intent: faq/fees
  examples: |
    - how much does an account cost
    - is there a monthly fee
- intent: report-fraud
  examples: |
    - someone used my card without asking
    - I see a payment I did not make
- intent: apply_loan
  examples: |
    - I want a loan
    - can I borrow money
- intent: out_of_scope
  examples: |
    - what's the weather like
    - tell me a joke
- intent: nlu_fallback
  examples: |
    - asdfgh
- synonym: credit
  examples: |
    - credit card
    - cc
- synonym: debit card
  examples: |
    - bank card
- regex: account_number
  examples: |
    - \\d{10,12}
- lookup: city
  examples: |
    - Dublin
    - Cork
"""

RULES = """\
version: "3.1"
rules:
- rule: greet
  steps:
  - intent: greet
  - action: utter_greet
- rule: lost card
  steps:
  - intent: lost_card
  - action: utter_block_card
  - action: utter_anything_else
- rule: balance
  steps:
  - intent: check_balance
  - action: action_check_balance
- rule: retrieval
  steps:
  - intent: faq
  - action: utter_faq
- rule: fraud
  steps:
  - intent: report-fraud
  - action: utter_fraud
- rule: activate loan form
  steps:
  - intent: apply_loan
  - action: loan_form
  - active_loop: loan_form
- rule: submit loan form
  condition:
  - active_loop: loan_form
  steps:
  - action: loan_form
  - active_loop: null
  - action: utter_loan_submitted
"""

STORIES = """\
version: "3.1"
stories:
- story: greet then balance
  steps:
  - intent: greet
  - action: utter_greet
  - intent: check_balance
  - action: action_check_balance
- story: after the card
  steps:
  - checkpoint: card_blocked
  - intent: greet
  - action: utter_anything_else
"""

RESPONSES_IN_DATA = """\
version: "3.1"
responses:
  utter_faq/fees:
  - text: "A current account costs €5 a month."
"""

TEST_STORIES = """\
version: "3.1"
stories:
- story: lost card happy path
  steps:
  - user: |
      hi
    intent: greet
  - action: utter_greet
  - user: |
      I lost my [credit card]{"entity": "card_type", "value": "credit"} in [Cork](city)
    intent: lost_card
  - action: utter_block_card
  - action: utter_anything_else
  - user: |
      thanks, that's all
    intent: thank-you
  - action: action_listen
- story: intent without text
  steps:
  - intent: greet
  - action: utter_greet
"""


def write(folder: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return folder


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return write(tmp_path / "northbank-bot", {
        "config.yml": CONFIG, "domain.yml": DOMAIN, "data/nlu.yml": NLU,
        "data/rules.yml": RULES, "data/stories/stories.yml": STORIES,
        "data/responses.yml": RESPONSES_IN_DATA, "tests/test_stories.yml": TEST_STORIES,
        "actions/actions.py": "# custom actions live here\n"})


@pytest.fixture
def result(project: Path) -> ReadResult:
    return read_rasa_project(project)


def intent(result: ReadResult, name: str) -> ImportedIntent:
    found = [i for i in result.intents if i.name == name]
    assert found, f"no intent {name!r} in {[i.name for i in result.intents]}"
    return found[0]


def why(result: ReadResult, what: str) -> list[str]:
    return [s.why for s in result.skipped if s.what == what]


def test_title_source_and_intents(result: ReadResult) -> None:
    assert result.title == "northbank-assistant"
    assert result.source == "northbank-bot"
    assert [i.name for i in result.intents] == [
        "greet", "lost_card", "check_balance", "ask_hours", "faq_fees", "report_fraud",
        "apply_loan"]


def test_title_without_assistant_id(tmp_path: Path) -> None:
    folder = write(tmp_path / "bank", {"domain.yml": DOMAIN, "data/nlu.yml": NLU})
    assert read_rasa_project(folder).title == "Rasa project bank"


def test_rule_intent_to_response(result: ReadResult) -> None:
    greet = intent(result, "greet")
    assert greet.examples == ("hello", "hi there")
    assert greet.answers == ("Hello! How can I help you today?",
                             "Hi there, what can I do for you?")


def test_entity_annotations_stripped_and_synonyms_carried(result: ReadResult) -> None:
    card = intent(result, "lost_card")
    assert card.examples[:5] == (
        "I lost my credit card", "my debit card was stolen", "someone took my card in Dublin",
        "my credit card is missing", "lost debit card")
    # At most three extra examples, each an example with one synonym swapped for another.
    assert card.examples[5:] == ("I lost my cc", "my bank card was stolen", "my cc is missing")
    assert any("synonyms: added 3 examples to 1 intent by" in n for n in result.notes)
    assert all("[" not in e and "{" not in e for i in result.intents for e in i.examples)


def test_several_utter_actions_make_one_answer_and_buttons_are_listed(
        result: ReadResult) -> None:
    assert intent(result, "lost_card").answers == (
        "I'm sorry to hear that. Call us on 0800 123 456 to block your card.\n\n"
        "Is there anything else I can help with?",)
    assert why(result, "response 'utter_block_card'") == [
        "buttons are dropped ('Call now'); the text is kept"]


def test_custom_action_skipped_with_message(result: ReadResult) -> None:
    balance = intent(result, "check_balance")
    assert balance.answers == ()
    assert balance.examples == ("what's my balance", "how much money is in my savings account")
    assert why(result, "intent 'check_balance'") == [
        "runs the custom action 'action_check_balance' (code); rebuild it as a Teller tool or "
        "answer it in the KB"]


def test_form_skipped(result: ReadResult) -> None:
    assert intent(result, "apply_loan").answers == ()
    assert why(result, "intent 'apply_loan'")[0].startswith("starts the form 'loan_form'")


def test_utter_intent_convention_and_unusable_variants(result: ReadResult) -> None:
    hours = intent(result, "ask_hours")
    assert hours.examples == ("when are you open", "are you open on saturday?")
    assert hours.answers == ("Our branches are open 9:00-17:00, Monday to Friday.",)
    reasons = why(result, "response 'utter_ask_hours'")[0]
    assert "channel 'facebook'" in reasons and "slot {name}" in reasons


def test_retrieval_intent(result: ReadResult) -> None:
    fees = intent(result, "faq_fees")
    assert fees.examples == ("how much does an account cost", "is there a monthly fee")
    assert fees.answers == ("A current account costs €5 a month.",)
    assert "intent 'faq/fees' is named 'faq_fees' in Teller (names use a-z, 0-9 and _)" \
        in result.notes


def test_renamed_intent_keeps_its_rule(result: ReadResult) -> None:
    assert intent(result, "report_fraud").answers == (
        "Please call our fraud line on 0800 999 000 straight away.",)
    assert any(n.startswith("intent 'report-fraud' is named 'report_fraud'")
               for n in result.notes)


def test_out_of_scope_and_nlu_fallback(result: ReadResult) -> None:
    assert result.out_of_scope == ["what's the weather like", "tell me a joke", "asdfgh"]
    assert not any(i.name in ("out_of_scope", "nlu_fallback") for i in result.intents)


def test_regex_lookup_stories_and_unused_responses_listed(result: ReadResult) -> None:
    assert why(result, "regex 'account_number'")[0].startswith(
        "Teller does not use regex features;")
    assert why(result, "lookup 'city'")[0].startswith("Teller does not use lookup tables;")
    assert why(result, "story 'greet then balance'") == [
        "multi-turn story (2 user turns); only intent -> response pairs are imported"]
    assert why(result, "story 'after the card'") == [
        "story with checkpoints; only intent -> response pairs are imported"]
    assert why(result, "rule 'submit loan form'")[0].startswith("applies only in a given state")
    assert Skipped("responses utter_ask_amount", "no imported intent answers with them "
                   "directly (forms, custom actions or later story turns send them)") \
        in result.skipped
    # The story's greet -> utter_anything_else comes after a checkpoint: the rule wins.
    assert why(result, "intent 'greet'") == [
        "story 'after the card' answers it with utter_anything_else; Teller keeps one answer "
        "per intent: utter_greet (rule 'greet')"]


def test_intent_without_any_response(tmp_path: Path) -> None:
    folder = write(tmp_path / "bot", {"data/nlu.yml": (
        "nlu:\n- intent: Lost Card\n  examples: |\n    - I lost my card\n")})
    result = read_rasa_project(folder)
    assert result.intents == [ImportedIntent("lost_card", ("I lost my card",), ())]
    assert result.skipped == [Skipped(
        "intent 'lost_card'", "no rule or story answers it and the domain has no response "
        "'utter_Lost Card'; add its answer in Teller")]
    assert "intent 'Lost Card' is named 'lost_card' in Teller (names use a-z, 0-9 and _)" \
        in result.notes


def test_yaml_syntax_error_names_file_line_and_column(tmp_path: Path) -> None:
    folder = write(tmp_path / "bot", {"domain.yml": DOMAIN, "data/nlu.yml": (
        "nlu:\n- intent: greet\n  examples: |\n    - hi\n- intent: bye\n examples: |\n"
        "    - bye\n")})
    with pytest.raises(UnreadableSource) as caught:
        read_rasa_project(folder)
    assert str(caught.value).startswith(
        "data/nlu.yml: YAML syntax error at line 6, column 2: expected <block end>")
    assert caught.value.source == "data/nlu.yml"


def test_not_a_rasa_project(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    with pytest.raises(UnreadableSource, match="no Rasa project here"):
        read_rasa_project(tmp_path / "empty")
    folder = write(tmp_path / "old", {"data/nlu.md": "## intent:greet\n- hi\n"})
    with pytest.raises(UnreadableSource,
                       match=r"Rasa 1 format \(data/nlu\.md\).*rasa data convert"):
        read_rasa_project(folder)


def test_is_rasa_project(project: Path, tmp_path: Path) -> None:
    assert is_rasa_project(project)
    assert is_rasa_project(write(tmp_path / "data-only", {"data/nlu.yml": NLU}))
    assert is_rasa_project(write(tmp_path / "split-domain", {"domain/responses.yml": DOMAIN}))
    assert not is_rasa_project(write(tmp_path / "other", {"data/prices.yml": "eur: 1\n"}))
    assert not is_rasa_project(tmp_path / "missing")
    assert not is_rasa_project(project / "domain.yml")


def test_read_test_stories(project: Path) -> None:
    assert read_rasa_test_stories(project) == [RasaTestStory("lost card happy path", (
        RasaTestStep("hi", "greet", ("utter_greet",)),
        RasaTestStep("I lost my credit card in Cork", "lost_card",
                     ("utter_block_card", "utter_anything_else")),
        RasaTestStep("thanks, that's all", "thank_you", ()),
    ))]
    assert read_rasa_test_stories(project / "data") == []


def test_test_story_syntax_error(project: Path) -> None:
    (project / "tests" / "broken.yml").write_text("stories:\n  - story: [x\n", encoding="utf-8")
    with pytest.raises(UnreadableSource, match=r"^tests/broken.yml: YAML syntax error at line"):
        read_rasa_test_stories(project)


@pytest.mark.parametrize(("name", "expected"), [
    ("lost_card", "lost_card"), ("Lost card", "lost_card"), ("ask-hours", "ask_hours"),
    ("faq/ask_x", "faq_ask_x"), ("LostCard", "lost_card"), ("24h support", "intent_24h_support"),
    ("Überweisung", "uberweisung"), ("Account.Balance", "account_balance")])
def test_teller_intent_name(name: str, expected: str) -> None:
    assert teller_intent_name(name) == expected


def test_teller_intent_name_of_another_script_is_stable() -> None:
    name = teller_intent_name("残高照会")
    assert name.startswith("intent_") and name == teller_intent_name("残高照会")


def test_strip_entities() -> None:
    assert strip_entities('send [50]{"entity": "amount"} to [Anna](person) [today][{"entity":'
                          ' "date"}, {"entity": "time", "role": "when"}]') \
        == "send 50 to Anna today"
