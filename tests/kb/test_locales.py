"""Locales in the KB: a locale's texts replace the main ones by id; what the conversation says
must exist in every locale; FAQ answers may stay in the main language."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from bot.kb import KnowledgeBaseError, load_knowledge_base
from knowledge_base import DEFAULT_KB_DIR

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


@pytest.fixture
def kb_with_zh(tiny_kb_dir: Path) -> Path:
    shutil.copytree(FIXTURES / "tiny_locale_zh", tiny_kb_dir / "locales" / "zh")
    shutil.copy(DEFAULT_KB_DIR / "locales" / "zh" / "messages.yaml",
                tiny_kb_dir / "locales" / "zh")
    return tiny_kb_dir


def _edit(path: Path, change) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")


def test_a_locale_is_the_kb_in_that_language(kb_with_zh: Path) -> None:
    kb = load_knowledge_base(kb_with_zh)
    assert kb.languages == ["en", "zh"]
    zh = kb.in_locale("zh")
    assert zh.language == "zh" and zh.main_language == "en"
    assert zh.responses["utter_greet"].text == ["您好，这里是 {bank_name}！有什么可以帮您？"]
    titles = {b.payload: b.title for b in zh.responses["utter_greet"].buttons}
    assert titles == {"/card_arrival": "卡还没收到", "/faq:find-iban": "查看我的 IBAN"}
    assert "我的卡丢了" in zh.intents["lost_or_stolen_card"].examples
    assert zh.out_of_scope_examples[0] == "明天天气怎么样"
    # a question in either language finds a translated entry; an untranslated one keeps
    # its English answer and is marked for the note
    assert zh.faq["card-arrival"].questions[0] == "卡迟迟没到怎么办？"
    assert "My card is late, what do I do?" in zh.faq["card-arrival"].questions
    assert zh.answered_in_main_language == {"find-iban", "opening-hours"}
    assert zh.faq["find-iban"].answer == kb.faq["find-iban"].answer
    assert zh.faq["find-iban"].questions[0] == "我的 IBAN 在哪里看？"
    # the main KB is untouched, and a language without a locale is the main KB
    assert kb.responses["utter_greet"].text == ["Hello from {bank_name}! How can I help?"]
    assert kb.in_locale("de") is kb
    assert kb.content_hash != load_knowledge_base(FIXTURES / "tiny_kb").content_hash


def test_a_missing_reply_names_file_entry_field_and_locale(kb_with_zh: Path) -> None:
    answers = kb_with_zh / "locales" / "zh" / "answers.yaml"

    def drop(data: dict) -> None:
        del data["responses"]["utter_goodbye"]
        del data["responses"]["utter_greet"]["buttons"]["/card_arrival"]
        del data["responses"]["utter_out_of_scope"]

    _edit(answers, drop)
    with pytest.raises(KnowledgeBaseError) as caught:
        load_knowledge_base(kb_with_zh)
    problems = {str(p) for p in caught.value.problems}
    assert ("responses.yaml: response 'utter_goodbye', field 'text': no text in locale 'zh': "
            "add it under locales/zh/") in problems
    assert any("response 'utter_greet', field 'buttons['/card_arrival']'" in p
               for p in problems)
    # a system reply the main KB leaves to the built-in English text is needed too
    assert any(p.startswith("(built in): response 'utter_out_of_scope'") for p in problems)


def test_a_locale_cannot_name_what_the_main_kb_lacks(kb_with_zh: Path) -> None:
    def add(data: dict) -> None:
        data["intents"]["card_activation"] = {"examples": ["怎么激活卡"]}

    _edit(kb_with_zh / "locales" / "zh" / "intents.yaml", add)

    def button(data: dict) -> None:
        data["responses"]["utter_goodbye"]["buttons"] = {"/restart": "重新开始"}
        data["faq"]["opening-hours"] = {"offer": {"ask": "要我帮您打电话吗？"}}

    _edit(kb_with_zh / "locales" / "zh" / "answers.yaml", button)
    with pytest.raises(KnowledgeBaseError) as caught:
        load_knowledge_base(kb_with_zh)
    problems = {str(p) for p in caught.value.problems}
    assert "locales/zh: intents 'card_activation': the main KB has no intent " \
           "'card_activation'" in problems
    assert any("buttons['/restart']" in p and "no button with this payload" in p
               for p in problems)
    assert any("FAQ entry 'opening-hours'" in p and "an offer without the answer" in p
               for p in problems)


def test_bad_locale_files_are_reported_not_loaded(kb_with_zh: Path) -> None:
    (kb_with_zh / "locales" / "zh" / "broken.yaml").write_text("intents: [oops", "utf-8")
    (kb_with_zh / "locales" / "Chinese").mkdir()
    with pytest.raises(KnowledgeBaseError) as caught:
        load_knowledge_base(kb_with_zh)
    problems = [str(p) for p in caught.value.problems]
    assert any(p.startswith("locales/zh/broken.yaml: YAML syntax error") for p in problems)
    assert any(p.startswith("locales/Chinese: a locale folder is named by its language code")
               for p in problems)


def test_the_default_kb_ships_chinese(default_kb) -> None:
    zh = default_kb.in_locale("zh")
    assert default_kb.languages == ["en", "es", "zh"]
    thin = {name: len(intent.examples) for name, intent in zh.intents.items()
            if len(intent.examples) < 10 or intent.examples == default_kb.intents[name].examples}
    assert not thin, f"intents with fewer than 10 Chinese examples: {thin}"
    assert not zh.answered_in_main_language, "every default FAQ answer has its Chinese text"
    assert len(zh.out_of_scope_examples) >= 150
    for form in zh.forms.values():
        assert all(any("\u4e00" <= ch <= "\u9fff" for ch in slot.ask) for slot in form.slots)


# The smaller locale: the 25 commonest BANKING77 intents and the KB's own 27 (conversation,
# products, forms), every response and form text; the other intents keep their English
# examples (the multilingual model reads Spanish for them), most FAQ answers stay English.
SPANISH_INTENTS = 52


def test_the_default_kb_ships_spanish_at_a_smaller_scale(default_kb) -> None:
    es = default_kb.in_locale("es")
    spanish = [name for name, intent in es.intents.items()
               if intent.examples != default_kb.intents[name].examples]
    assert len(spanish) >= SPANISH_INTENTS
    assert all(len(es.intents[name].examples) >= 10 for name in spanish)
    for name in ("greet", "loan_enquiry", "portfolio_recommendation", "card_arrival"):
        assert name in spanish
    assert es.answered_in_main_language, "most FAQ answers stay English, with a note"
    assert "card-arrival" not in es.answered_in_main_language
    assert es.forms["loan_application"].title == "Consulta de préstamo personal"
    assert len(es.out_of_scope_examples) >= 80


def test_teller_s_own_sentences_need_the_same_placeholders(kb_with_zh: Path) -> None:
    messages = kb_with_zh / "locales" / "zh" / "messages.yaml"

    def change(data: dict) -> None:
        del data["messages"]["form.not_caught"]
        data["messages"]["form.got_it"] = "好的：{note}。"  # misspelt placeholder
        data["messages"]["form.unknown"] = "？"

    _edit(messages, change)
    with pytest.raises(KnowledgeBaseError) as caught:
        load_knowledge_base(kb_with_zh)
    problems = {str(p) for p in caught.value.problems}
    assert ("(built in): message 'form.not_caught', field 'text': no text in locale 'zh': "
            "add it under locales/zh/") in problems
    assert "locales/zh: message 'form.got_it': must use exactly the placeholders {notes}" \
        in problems
    assert any("message 'form.unknown'" in p and "no message with this id" in p
               for p in problems)


def test_a_locale_speaks_its_own_sentences(kb_with_zh: Path) -> None:
    from bot.messages import say, speaking

    zh = load_knowledge_base(kb_with_zh).in_locale("zh")
    assert say("form.got_it", notes="loan amount €5,000") == "Got it: loan amount €5,000."
    with speaking(zh.messages):
        assert say("form.got_it", notes="贷款金额 €5,000") == "好的，已记下：贷款金额 €5,000。"
    assert say("value.yes") == "yes"  # back to English outside the block
