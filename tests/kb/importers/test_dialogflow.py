"""The Dialogflow ES reader: a small bank agent written as a real ES export (folder and ZIP)."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

import pytest

from bot.kb.importers.base import ImportedIntent, ReadResult, Skipped, UnreadableSource
from bot.kb.importers.dialogflow import (
    MAX_MEMBERS,
    is_dialogflow_export,
    read_dialogflow_agent,
)

AGENT = {
    "description": "NorthBank customer service", "language": "en",
    "displayName": "NorthBank Agent", "shortDescription": "", "supportedLanguages": ["de"],
    "defaultTimezone": "Europe/Dublin", "webhook": {"url": "https://hooks.example/df"},
    "isPrivate": True, "mlMinConfidence": 0.3, "enableOnePlatformResponses": True,
}


def intent(name: str, messages: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    """An ES intent file as the console exports it."""
    return {"id": "0f5d3c1e", "name": name, "auto": True, "contexts": [],
            "responses": [{"resetContexts": False, "action": "", "affectedContexts": [],
                           "parameters": extra.pop("parameters", []), "messages": messages,
                           "speech": []}],
            "priority": 500000, "webhookUsed": False, "webhookForSlotFilling": False,
            "fallbackIntent": False, "events": [], "conditionalResponses": [],
            "condition": "", "conditionalFollowupEvents": [], **extra}


def says(*phrases: str | list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A `_usersays_<lang>.json` list: a phrase is a string or its `data` parts."""
    return [{"id": f"id-{n}", "data": [{"text": p, "userDefined": False}]
             if isinstance(p, str) else p, "isTemplate": False, "count": 0, "lang": "en",
             "updated": 0} for n, p in enumerate(phrases)]


def text(*speech: str) -> dict[str, Any]:
    return {"type": "0", "title": "", "textToSpeech": "", "lang": "en",
            "speech": list(speech), "condition": ""}


EXPORT: dict[str, Any] = {
    "agent.json": AGENT,
    "package.json": {"version": "1.0.0"},
    "intents/Default Welcome Intent.json": intent(
        "Default Welcome Intent", [text("Hello! How can I help?", "Hi, what can I do for you?")],
        events=[{"name": "WELCOME"}]),
    "intents/Default Welcome Intent_usersays_en.json": says("hi", "good morning"),
    "intents/Default Fallback Intent.json": intent(
        "Default Fallback Intent", [text("Sorry, could you say that again?")],
        fallbackIntent=True),
    "intents/Default Fallback Intent_usersays_en.json": says("what's the weather like"),
    "intents/Lost card.json": intent("Lost card", [
        {"type": 0, "lang": "en", "speech": "Call 0800 123 456 to block your card."},
        {"type": 1, "platform": "facebook", "lang": "en", "title": "Block card"},
        {"type": 1, "lang": "en", "title": "Card", "buttons": []},
        {"type": 4, "lang": "en", "payload": {"richContent": []}},
        {"type": 0, "lang": "en", "speech": ["Anything else?", "Can I help with more?"]},
        {"type": 0, "lang": "de", "speech": "Rufen Sie 0800 123 456 an."}]),
    "intents/Lost card_usersays_en.json": says(
        [{"text": "I lost my ", "userDefined": False},
         {"text": "credit card", "alias": "card_type", "meta": "@card_type",
          "userDefined": True}],
        [{"text": "my "}, {"text": "debit card", "alias": "card_type", "meta": "@card_type"},
         {"text": " was stolen in "}, {"text": "Dublin", "alias": "geo-city",
                                       "meta": "@sys.geo-city"}],
        "I lost my credit card"),
    "intents/Lost card_usersays_de.json": says("Ich habe meine Karte verloren"),
    "intents/Check balance.json": intent(
        "Check balance", [text()], webhookUsed=True),
    "intents/Check balance_usersays_en.json": says("what's my balance"),
    "intents/opening-hours.json": intent(
        "opening-hours", [text("We are open 9:00-17:00, Monday to Friday.",
                               "Our branch in $geo-city opens at 9.")],
        webhookUsed=True, parameters=[{"name": "geo-city", "required": False}]),
    "intents/opening-hours_usersays_en.json": says("when are you open"),
    "intents/Lost card - yes.json": intent(
        "Lost card - yes", [text("Your card is blocked.")],
        contexts=["Lostcard-followup"], parentId="0f5d3c1e"),
    "intents/Lost card - yes_usersays_en.json": says("yes please"),
    "entities/card_type.json": {"name": "card_type", "isEnum": False},
    "entities/card_type_entries_en.json": [{"value": "credit card", "synonyms": ["cc"]}],
}


def write_folder(folder: Path, files: dict[str, Any]) -> Path:
    for name, content in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content if isinstance(content, str) else json.dumps(content, indent=2),
                        encoding="utf-8")
    return folder


def write_zip(path: Path, files: dict[str, Any], prefix: str = "") -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(prefix + name, content if isinstance(content, str)
                             else json.dumps(content, indent=2))
    return path


@pytest.fixture
def folder_result(tmp_path: Path) -> ReadResult:
    return read_dialogflow_agent(write_folder(tmp_path / "northbank", EXPORT))


def named(result: ReadResult, name: str) -> ImportedIntent:
    found = [i for i in result.intents if i.name == name]
    assert found, f"no intent {name!r} in {[i.name for i in result.intents]}"
    return found[0]


def why(result: ReadResult, what: str) -> list[str]:
    return [s.why for s in result.skipped if s.what == what]


def test_folder_title_and_intents(folder_result: ReadResult) -> None:
    assert folder_result.title == "NorthBank Agent"
    assert folder_result.source == "northbank"
    assert sorted(i.name for i in folder_result.intents) == [
        "check_balance", "greet", "lost_card", "opening_hours"]


def test_welcome_becomes_greet(folder_result: ReadResult) -> None:
    assert named(folder_result, "greet") == ImportedIntent(
        "greet", ("hi", "good morning"), ("Hello! How can I help?", "Hi, what can I do for you?"))
    assert "intent 'Default Welcome Intent' is named 'greet' in Teller" in folder_result.notes


def test_entities_in_usersays_and_text_answers(folder_result: ReadResult) -> None:
    card = named(folder_result, "lost_card")
    assert card.examples == ("I lost my credit card", "my debit card was stolen in Dublin")
    # Every text message is sent: the variants of the first, then the first of the next.
    assert card.answers == ("Call 0800 123 456 to block your card.\n\nAnything else?",)
    assert why(folder_result, "responses of intent 'Lost card'") == [
        "cards, custom payloads are not imported (Teller answers are text)",
        "the facebook responses are not imported; Teller sends the default text on every "
        "channel"]
    assert Skipped("languages de", "Teller imports the agent's default language 'en'; import "
                   "the others into a knowledge base of their own") in folder_result.skipped
    assert any(n.startswith("1 entity type in entities/ not imported") for n in folder_result.notes)


def test_fallback_goes_to_out_of_scope(folder_result: ReadResult) -> None:
    assert folder_result.out_of_scope == ["what's the weather like"]
    assert not any("fallback" in i.name for i in folder_result.intents)


def test_fallback_without_phrases_is_skipped(tmp_path: Path) -> None:
    files = {k: v for k, v in EXPORT.items() if "Fallback Intent_usersays" not in k}
    result = read_dialogflow_agent(write_folder(tmp_path / "agent", files))
    assert result.out_of_scope == []
    assert why(result, "intent 'Default Fallback Intent'")[0].startswith(
        "a fallback intent is not an intent")


def test_webhook_intents(folder_result: ReadResult) -> None:
    balance = named(folder_result, "check_balance")
    assert balance.answers == ()
    assert why(folder_result, "intent 'Check balance'") == [
        "its reply comes from the webhook (fulfillment code), which cannot be imported; "
        "rebuild it as a Teller tool or answer it in the KB"]
    hours = named(folder_result, "opening_hours")
    assert hours.answers == ("We are open 9:00-17:00, Monday to Friday.",)
    assert why(folder_result, "webhook of intent 'opening-hours'")[0].startswith(
        "the webhook call (fulfillment code) is not imported; the text responses are kept")
    assert why(folder_result, "responses of intent 'opening-hours'")[0].startswith(
        "1 response with parameters ($name, #context.name) not imported")


def test_follow_up_intent_skipped(folder_result: ReadResult) -> None:
    assert why(folder_result, "follow-up intent 'Lost card - yes'") == [
        "it needs the context 'Lostcard-followup'; Teller imports only top-level intents"]
    assert all("yes please" not in i.examples for i in folder_result.intents)


@pytest.mark.parametrize("prefix", ["", "NorthBank/"])
def test_zip_reads_like_the_folder(tmp_path: Path, folder_result: ReadResult,
                                   prefix: str) -> None:
    archive = write_zip(tmp_path / "northbank-agent.zip", EXPORT, prefix)
    assert is_dialogflow_export(archive)
    result = read_dialogflow_agent(archive)
    assert result.source == "northbank-agent.zip"
    assert result.intents == folder_result.intents
    assert result.skipped == folder_result.skipped
    assert result.out_of_scope == folder_result.out_of_scope


def test_title_falls_back_to_the_file_name(tmp_path: Path) -> None:
    agent = {k: v for k, v in AGENT.items() if k != "displayName"}
    archive = write_zip(tmp_path / "bank-bot.zip", {**EXPORT, "agent.json": agent})
    assert read_dialogflow_agent(archive).title == "bank-bot"


def test_zip_with_parent_path_member_refused(tmp_path: Path) -> None:
    archive = write_zip(tmp_path / "evil.zip", {**EXPORT, "../evil.sh": "rm -rf ~\n"})
    with pytest.raises(UnreadableSource) as caught:
        read_dialogflow_agent(archive)
    assert caught.value.source == "evil.zip"
    assert "unsafe entry name '../evil.sh'" in caught.value.problem
    assert not (tmp_path.parent / "evil.sh").exists()


def test_zip_with_too_many_members_refused(tmp_path: Path) -> None:
    files = {**EXPORT, **{f"intents/x{n}.json": "{}" for n in range(MAX_MEMBERS)}}
    with pytest.raises(UnreadableSource, match=r"the limit is 5000"):
        read_dialogflow_agent(write_zip(tmp_path / "big.zip", files))


def test_zip_bomb_refused(tmp_path: Path) -> None:
    archive = write_zip(tmp_path / "bomb.zip", {**EXPORT, "intents/pad.json": " " * (51 << 20)})
    assert archive.stat().st_size < 1 << 20
    with pytest.raises(UnreadableSource, match=r"unpacks to 51.\d MB; the limit is 50 MB"):
        read_dialogflow_agent(archive)


def test_not_a_zip(tmp_path: Path) -> None:
    path = tmp_path / "agent.zip"
    path.write_bytes(b"not a zip")
    assert not is_dialogflow_export(path)
    with pytest.raises(UnreadableSource, match="not a valid ZIP file"):
        read_dialogflow_agent(path)


def test_cx_export_refused(tmp_path: Path) -> None:
    cx_agent = {"displayName": "NorthBank CX", "defaultLanguageCode": "en",
                "timeZone": "Europe/Dublin", "startFlow": "Default Start Flow"}
    files = {"agent.json": cx_agent,
             "flows/Default Start Flow/Default Start Flow.json": {"name": "start"},
             "intents/Lost card/Lost card.json": {"displayName": "Lost card"},
             "intents/Lost card/trainingPhrases/en.json": {"trainingPhrases": []}}
    archive = write_zip(tmp_path / "cx.zip", files)
    assert is_dialogflow_export(archive)  # recognised, so that the reader says why not
    with pytest.raises(UnreadableSource) as caught:
        read_dialogflow_agent(archive)
    assert str(caught.value) == (
        "cx.zip: looks like a Dialogflow CX export (flows/); only Dialogflow ES exports "
        "(intents/*.json with *_usersays_*.json) can be imported")
    # An agent.json without ES fields is refused too, naming the file.
    folder = write_folder(tmp_path / "cx", {"agent.json": cx_agent, "intents/a.json": "{}"})
    with pytest.raises(UnreadableSource) as caught:
        read_dialogflow_agent(folder)
    assert caught.value.source == "agent.json"
    assert caught.value.problem.startswith("has no 'language' field, so it is not a "
                                           "Dialogflow ES agent (its 'defaultLanguageCode'")


def test_intent_file_of_another_format_refused(tmp_path: Path) -> None:
    folder = write_folder(tmp_path / "agent", {
        **EXPORT, "intents/Lost card.json": {"displayName": "Lost card", "trainingPhrases": []}})
    with pytest.raises(UnreadableSource) as caught:
        read_dialogflow_agent(folder)
    assert caught.value.source == "intents/Lost card.json"
    assert "expected a Dialogflow ES intent" in caught.value.problem


def test_invalid_json_names_member_and_line(tmp_path: Path) -> None:
    broken = '{\n  "name": "Lost card",\n  "responses": [\n    {"messages": [}\n  ]\n}\n'
    archive = write_zip(tmp_path / "agent.zip", {**EXPORT, "intents/Lost card.json": broken},
                        "NorthBank/")
    with pytest.raises(UnreadableSource) as caught:
        read_dialogflow_agent(archive)
    assert str(caught.value).startswith(
        "NorthBank/intents/Lost card.json: invalid JSON at line 4, column 19:")


def test_no_agent_json(tmp_path: Path) -> None:
    archive = write_zip(tmp_path / "other.zip", {"intents/a.json": "{}"})
    assert not is_dialogflow_export(archive)
    with pytest.raises(UnreadableSource, match=r"^other.zip: no agent.json found; only "
                                               r"Dialogflow ES exports"):
        read_dialogflow_agent(archive)


def test_is_dialogflow_export_folder(tmp_path: Path) -> None:
    assert is_dialogflow_export(write_folder(tmp_path / "agent", EXPORT))
    assert not is_dialogflow_export(write_folder(tmp_path / "rasa", {"domain.yml": "x: 1\n"}))
    assert not is_dialogflow_export(tmp_path / "missing.zip")
