from pathlib import Path

import pytest

from bot.kb import KbProblem, KnowledgeBaseError, load_knowledge_base


def problems_of(folder: Path) -> list[str]:
    with pytest.raises(KnowledgeBaseError) as caught:
        load_knowledge_base(folder)
    return [str(p) for p in caught.value.problems]


def test_tiny_kb_loads_with_links_and_metadata(tiny_kb_dir: Path) -> None:
    kb = load_knowledge_base(tiny_kb_dir)
    assert sorted(kb.intents) == [
        "card_arrival", "goodbye", "greet", "human_handoff", "lost_or_stolen_card", "restart"
    ]
    assert sorted(kb.faq) == ["card-arrival", "find-iban", "lost-card", "opening-hours"]
    assert kb.faq_by_intent["card_arrival"].id == "card-arrival"
    assert kb.response_by_intent["greet"].id == "utter_greet"
    assert kb.metadata.bank_name == "Tiny Test Bank"
    assert kb.render("Welcome to {bank_name}") == "Welcome to Tiny Test Bank"
    assert kb.intent_title("card_arrival") == "My card is late, what do I do?"
    # no FAQ entry: the first example, in the customer's words (never the staff's description)
    assert kb.intent_title("human_handoff") == "Let me speak to a person"


def test_bank_name_override_changes_only_metadata(tiny_kb_dir: Path) -> None:
    base = load_knowledge_base(tiny_kb_dir)
    renamed = load_knowledge_base(tiny_kb_dir, bank_name="Other Bank")
    assert renamed.metadata.bank_name == "Other Bank"
    assert renamed.intents_hash == base.intents_hash
    assert renamed.faq_hash == base.faq_hash
    assert renamed.content_hash != base.content_hash


def test_duplicate_faq_id_names_both_files(tiny_kb_dir: Path) -> None:
    (tiny_kb_dir / "more.yaml").write_text(
        "faq:\n  - id: find-iban\n    category: account\n    questions: [Where is the IBAN]\n"
        "    answer: Under Account.\n"
    )
    assert problems_of(tiny_kb_dir) == [
        "more.yaml: FAQ entry 'find-iban', field 'id': duplicate; also in faq.yaml"
    ]


def test_intent_without_examples_and_missing_field(tiny_kb_dir: Path) -> None:
    (tiny_kb_dir / "more.yaml").write_text(
        "intents:\n  - name: savings\n    examples: []\n"
        "faq:\n  - id: savings\n    intent: savings\n    questions: [Savings rates]\n"
        "    answer: We pay 2.5%.\n"
    )
    assert problems_of(tiny_kb_dir) == [
        "more.yaml: intents[0] 'savings', field 'examples': "
        "List should have at least 1 item after validation, not 0",
        "more.yaml: faq[0] 'savings', field 'category': Field required",
    ]


def test_response_and_faq_referencing_missing_intent(tiny_kb_dir: Path) -> None:
    (tiny_kb_dir / "more.yaml").write_text(
        "responses:\n  - id: utter_thanks\n    intent: thanks\n    text: You're welcome\n"
        "faq:\n  - id: fees\n    intent: account_fees\n    category: fees\n"
        "    questions: [What fees]\n    answer: None.\n"
    )
    assert problems_of(tiny_kb_dir) == [
        "more.yaml: FAQ entry 'fees', field 'intent': no intent named 'account_fees'",
        "more.yaml: response 'utter_thanks', field 'intent': no intent named 'thanks'",
    ]


def test_button_payload_must_point_at_something(tiny_kb_dir: Path) -> None:
    (tiny_kb_dir / "more.yaml").write_text(
        "responses:\n  - id: utter_menu\n    text: Pick one\n    buttons:\n"
        "      - {title: Fees, payload: /account_fees}\n"
        "      - {title: IBAN, payload: '/faq:no-such-entry'}\n"
    )
    assert problems_of(tiny_kb_dir) == [
        "more.yaml: response 'utter_menu', field 'buttons.payload': no intent 'account_fees'",
        "more.yaml: response 'utter_menu', field 'buttons.payload': no FAQ entry 'no-such-entry'",
    ]


def test_same_example_under_two_intents(tiny_kb_dir: Path) -> None:
    text = (tiny_kb_dir / "intents.yaml").read_text()
    (tiny_kb_dir / "intents.yaml").write_text(
        text.replace("examples: [bye,", "examples: [Hello,")
    )
    assert problems_of(tiny_kb_dir) == [
        "intents.yaml: intent 'goodbye', field 'examples': "
        "example 'Hello' is also an example of 'greet'"
    ]


def test_yaml_syntax_error_gives_line_and_unknown_section(tiny_kb_dir: Path) -> None:
    (tiny_kb_dir / "broken.yaml").write_text("faq:\n  - id: x\n    questions: [a, b\n")
    (tiny_kb_dir / "other.yaml").write_text("answers: []\n")
    problems = problems_of(tiny_kb_dir)
    assert problems[0].startswith("broken.yaml: YAML syntax error at line 4")
    assert problems[1] == (
        "other.yaml: answers: unknown section; expected one of: intents, faq, responses, "
        "forms, passages, out_of_scope, imported_from, tools"
    )


def test_not_utf8_file(tiny_kb_dir: Path) -> None:
    (tiny_kb_dir / "latin1.yaml").write_bytes("faq: []\n# caf\xe9\n".encode("latin-1"))
    assert problems_of(tiny_kb_dir) == ["latin1.yaml: not valid UTF-8 (invalid continuation byte)"]


def test_missing_folder() -> None:
    with pytest.raises(KnowledgeBaseError, match="folder not found"):
        load_knowledge_base(Path("/nonexistent/kb"))


def test_problem_formatting() -> None:
    assert str(KbProblem("a.yaml", "intent 'x'", "examples", "empty")) == (
        "a.yaml: intent 'x', field 'examples': empty"
    )


def test_forms_are_validated(tiny_kb_dir: Path) -> None:
    (tiny_kb_dir / "forms.yaml").write_text(
        "forms:\n"
        "  - {name: loan, title: Loan, intent: no_such_intent, intro: Hi,\n"
        "     action: action_x, slots: [{name: amount, type: money, ask: How much}]}\n"
        "  - {name: pick, title: Pick, intent: greet, intro: Hi, action: action_y,\n"
        "     slots: [{name: colour, type: choice, ask: Which, choices: [{value: red,\n"
        "              title: Red}]}, {name: n, type: number, ask: N, min: 5, max: 1}]}\n"
    )
    problems = problems_of(tiny_kb_dir)
    assert problems == [
        "forms.yaml: forms[1] 'pick', field 'slots.0': Value error, a choice slot needs at "
        "least two `choices`",
        "forms.yaml: forms[1] 'pick', field 'slots.1': Value error, `min` is greater than `max`",
        "forms.yaml: form 'loan', field 'intent': no intent named 'no_such_intent'",
    ]


def test_a_form_answers_its_intent(tiny_kb_dir: Path) -> None:
    (tiny_kb_dir / "forms.yaml").write_text(
        "forms:\n"
        "  - {name: greeting_form, title: Greeting, intent: greet, intro: Hi,\n"
        "     action: action_x, slots: [{name: age, type: age, ask: Age, min: 18}]}\n"
    )
    problems = problems_of(tiny_kb_dir)  # greet is also answered by a response
    assert problems == ["forms.yaml: form 'greeting_form', field 'intent': a response also "
                        "answers 'greet'; the form replaces it, remove the response's intent"]
