"""Answers from a bank's own documents: a fresh `teller init` knowledge base with the
documents benchmark's files imported, the fast intent model, the real encoder and index.
The sentence or row quoted is the document's own, the source names document and page, and a
question the documents do not cover is not answered from them."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import Settings
from bot.kb import load_knowledge_base
from bot.kb.importers import import_paths
from bot.kb.starter import init_knowledge_base
from bot.pipeline import Assistant
from training.documents_eval import ask_questions, load_questions
from training.prepare import prepare_models

BENCHMARK = Path(__file__).resolve().parents[2] / "benchmarks" / "documents"


@pytest.fixture(scope="module")
def documents_assistant(tmp_path_factory: pytest.TempPathFactory, encoder) -> Assistant:
    work = tmp_path_factory.mktemp("documents")
    kb_dir = work / "kb"
    init_knowledge_base(kb_dir, "Brightwater Bank")
    files = sorted(p for p in (BENCHMARK / "files").iterdir() if p.name != "dialogflow_agent")
    import_paths(kb_dir, files, True, None, lambda: load_knowledge_base(kb_dir))
    settings = Settings(kb_dir=kb_dir, data_dir=work / "data", device="cpu",
                        intent_model="embedding-head")
    kb = load_knowledge_base(kb_dir)
    prepare_models(settings, kb, encoder, show_progress=False)
    assistant = Assistant.from_settings(settings, in_memory=True, kb=kb, encoder=encoder)
    assistant.warm_up()
    return assistant


@pytest.mark.parametrize(("question", "fact", "file", "page"), [
    ("premier account - monthly cost?", "EUR 12.00", "fee-schedule.pdf", 1),
    ("Overdraft interest rate?", "11.85% APR", "fee-schedule.pdf", 3),
    ("What age must I be to open an account by myself?", "18", "help-centre.html", None),
    ("one year fixed deposit rate", "2.60%", "savings-guide.md", None),
])
def test_a_document_answer_quotes_the_document_and_cites_it(
        documents_assistant: Assistant, question: str, fact: str, file: str,
        page: int | None) -> None:
    reply = documents_assistant.handle(question)
    assert reply.action == "answer_passage", reply.text
    assert fact in reply.text
    (source,) = reply.sources
    assert (source.kind, source.file, source.page) == ("passage", file, page)
    passage = documents_assistant.kb.passages[source.passage_id or ""]
    assert source.quote and all(line in passage.text for line in source.quote.split("\n"))
    assert reply.text.startswith(source.quote)  # quoted word for word, nothing generated
    assert f"(Source: {passage.source.citation()})" in reply.text


def test_questions_outside_the_documents_are_not_answered_from_them(
        documents_assistant: Assistant) -> None:
    for question in ("who won the world cup in 2018?", "Give me a recipe for brown soda bread",
                     "how tall is the Eiffel Tower"):
        reply = documents_assistant.handle(question)
        assert reply.action == "out_of_scope" and not reply.sources, question


def test_an_imported_bot_intent_answers_with_its_response(
        documents_assistant: Assistant) -> None:
    reply = documents_assistant.handle("I'd like to talk to someone about getting a mortgage, "
                                       "what number do I call?")
    assert reply.intent is not None and reply.intent.name == "ask_mortgage_contact"
    assert "490 3350" in reply.text


def test_the_documents_benchmark_holds_its_level(documents_assistant: Assistant) -> None:
    """The whole question set (113 questions, 32 unrelated) in a few seconds: a floor under
    the figures measured with `benchmarks/documents.py` (see the README), so a change that
    loses document answers or starts answering unrelated questions fails here."""
    report = ask_questions(documents_assistant, load_questions(BENCHMARK / "questions.yaml"))
    right, total = report.rate()
    answered, unrelated = report.unrelated_answered()
    assert right / total >= 0.55, f"{right}/{total} answered right"
    assert answered <= 5, f"{answered}/{unrelated} unrelated questions answered from documents"


def test_an_imported_reply_cites_the_document_that_states_it(
        documents_assistant: Assistant) -> None:
    """The Dialogflow agent's reply on transfer fees states the fee schedule's figures: the
    reply cites the schedule's page. The Rasa project's reply on opening an account lists
    documents the help page does not: it cites nothing."""
    reply = documents_assistant.handle("what do you charge me to send dollars to the US?")
    assert reply.action == "answer_intent" and "9.75" in reply.text, reply.text
    assert [(s.kind, s.file, s.page) for s in reply.sources] == [
        ("passage", "fee-schedule.pdf", 2)]
    cited = documents_assistant.kb.passages[reply.sources[0].passage_id or ""].source
    assert reply.text.endswith(f"(Source: {cited.citation()})")
    unbacked = documents_assistant.handle("I want to open a current account with you")
    assert unbacked.action == "answer_intent" and unbacked.intent is not None
    assert unbacked.intent.name == "open_account" and not unbacked.sources, unbacked.text


def test_a_document_answer_is_one_of_the_requests_of_a_message(
        documents_assistant: Assistant) -> None:
    """Two requests in one message, one answered by an intent and one by the documents: both
    are answered, each cited where it comes from."""
    reply = documents_assistant.handle(
        "my card is gone and also whats the fee to close my acount")
    assert "free of charge" in reply.text and "Freeze your card" in reply.text, reply.text
    assert ("passage", "terms.docx", 1) in [(s.kind, s.file, s.page) for s in reply.sources]
    assert [part["action"] for part in reply.data["parts"]] == ["answer_intent",
                                                                 "answer_passage"]
