"""Personal data sent to any channel never reaches the database or the logs."""

from __future__ import annotations

import pytest

from tests.api.harness import Api

CARD = "4111 1111 1111 1111"
IBAN = "GB82 WEST 1234 5698 7654 32"
EMAIL = "jo.doe@example.com"
SORT_CODE = "12-34-56"
NI_NUMBER = "JG 10 37 72 A"
SECRETS = [CARD, CARD.replace(" ", ""), IBAN, IBAN.replace(" ", ""), EMAIL, SORT_CODE,
           NI_NUMBER, "5698 7654"]


def test_card_iban_email_and_ids_are_in_neither_database_nor_logs(
    api: Api, capfd: pytest.CaptureFixture[str], json_logs: None
) -> None:
    key = api.key()
    session = api.new_session(key)
    reply = api.say(key, session, f"I lost my card {CARD}, email me at {EMAIL}")
    assert reply["intent"]["name"] == "lost_or_stolen_card"  # type: ignore[index]
    api.say(key, session, f"send it to {IBAN} sort code {SORT_CODE}")
    api.say(key, session, f"my NI number is {NI_NUMBER}")
    rated = api.client.post(f"/v1/sessions/{session}/feedback", headers=key,
                            json={"turn": 2, "rating": "down", "comment": f"use {EMAIL}"})
    assert rated.status_code == 201
    chat = api.client.post("/v1/chat", headers=key,
                           json={"message": f"card {CARD} hasn't arrived"})
    assert chat.status_code == 200
    webhook = api.client.post("/webhooks/rest/webhook",
                              json={"sender": "web-1", "message": f"iban {IBAN}"})
    assert webhook.status_code == 200
    history = api.client.get(f"/v1/sessions/{session}", headers=key).json()
    logs = capfd.readouterr()
    stored = api.dump()
    assert "[CARD ****1111]" in stored and "[IBAN]" in stored and "[EMAIL]" in stored
    assert "[SORT CODE]" in stored and "[NATIONAL ID]" in stored
    assert api.counts()["review_items"] >= 1  # the thumbs down, with its masked text
    for secret in SECRETS:
        assert secret not in stored, secret
        assert secret not in logs.err and secret not in logs.out, secret
        assert secret not in str(history), secret
    assert '"route": "/v1/sessions/{session_id}/messages"' in logs.err  # logging was on
