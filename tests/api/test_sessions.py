"""The versioned API over a real database, once on SQLite and once on PostgreSQL: sessions,
messages, history, feedback, erasure, API keys, rate limits and every kind of bad input."""

from __future__ import annotations

import pytest

from tests.api.harness import WIDGET_ORIGIN, Api


def test_a_conversation_from_start_to_erasure(api: Api) -> None:
    key = api.key()
    created = api.client.post("/v1/sessions", json={"customer_ref": "C-1001",
                                                    "locale": "en-GB"}, headers=key)
    assert created.status_code == 201
    session = created.json()["session_id"]
    assert created.json()["locale"] == "en-GB"

    greeting = api.say(key, session, "hello")
    assert greeting["intent"]["name"] == "greet"  # type: ignore[index]
    answer = api.say(key, session, "my card hasn't arrived yet")
    assert answer["sources"][0]["faq_id"] == "card-arrival"  # type: ignore[index]
    assert api.say(key, session, "what is a quasar?")["out_of_scope"] is True

    rated = api.client.post(f"/v1/sessions/{session}/feedback",
                            json={"turn": 2, "rating": "down", "comment": "not helpful"},
                            headers=key)
    assert rated.status_code == 201 and rated.json()["rating"] == "down"

    history = api.client.get(f"/v1/sessions/{session}", headers=key).json()
    assert history["customer_ref"] == "C-1001"
    assert [t["seq"] for t in history["turns"]] == [1, 2, 3]
    assert [t["feedback"] for t in history["turns"]] == [None, "down", None]
    assert history["turns"][1]["intent"] == "card_arrival"

    reasons = {(item.seq, item.reason) for item in api.store.review_items()}
    assert (2, "thumbs_down") in reasons and (3, "out_of_scope") in reasons
    assert api.counts()["turns"] == 3

    # The retraining store copies its review items (teller ingest); erasure reaches them too.
    from bot.dialogue.review import LogExampleStore

    examples = LogExampleStore(str(api.store.engine.url.render_as_string(hide_password=False)))
    other = api.new_session(key)
    api.say(key, other, "what is a quasar?")  # the same question from another conversation
    examples.add(examples.teller_review_records(), set())
    shared_before = api.counts()["log_examples"]
    assert shared_before >= 2

    erased = api.client.delete(f"/v1/sessions/{session}", headers=key)
    assert erased.status_code == 204
    counts = api.counts()
    assert {k: counts[k] for k in ("feedback", "review_items")} == {"feedback": 0,
                                                                   "review_items": 1}
    assert counts["sessions"] == 1 and counts["turns"] == 1  # only the other conversation
    # The quasar example stays (the other conversation also said it); the rest went.
    assert counts["log_examples"] == 1 and counts["log_example_sessions"] == 1
    examples.engine.dispose()
    gone = api.client.get(f"/v1/sessions/{session}", headers=key)
    assert gone.status_code == 404


def test_another_key_sees_404_exactly_like_a_missing_session(api: Api) -> None:
    owner, stranger = api.key("owner"), api.key("stranger")
    session = api.new_session(owner)
    api.say(owner, session, "hello")
    before = api.counts()
    for method, path, body in [
        ("GET", f"/v1/sessions/{session}", None),
        ("POST", f"/v1/sessions/{session}/messages", {"message": "hello"}),
        ("POST", f"/v1/sessions/{session}/feedback", {"turn": 1, "rating": "down"}),
        ("DELETE", f"/v1/sessions/{session}", None),
    ]:
        theirs = api.client.request(method, path, json=body, headers=stranger)
        missing = api.client.request(method, path.replace(session, "no-such-session"),
                                     json=body, headers=stranger)
        assert theirs.status_code == missing.status_code == 404
        assert theirs.json()["error"]["type"] == missing.json()["error"]["type"]
    # /v1/chat cannot reach it either, and nothing changed.
    chat = api.client.post("/v1/chat", json={"session_id": session, "message": "hi"},
                           headers=stranger)
    assert chat.status_code == 404
    assert api.counts() == before


def test_keys_missing_wrong_and_revoked_get_401(api: Api) -> None:
    record, secret = api.keys.create("mobile", 100)
    headers = {"Authorization": f"Bearer {secret}"}
    assert api.client.post("/v1/sessions", headers=headers).status_code == 201

    missing = api.client.post("/v1/sessions")
    assert missing.status_code == 401
    assert missing.headers["www-authenticate"] == "Bearer"
    assert "Authorization: Bearer" in missing.json()["error"]["message"]
    forged = secret[:-4] + "AAAA"
    assert api.client.post("/v1/sessions",
                           headers={"Authorization": f"Bearer {forged}"}).status_code == 401

    api.keys.revoke(record.id)
    revoked = api.client.post("/v1/sessions", headers=headers)
    assert revoked.status_code == 401
    assert revoked.json()["error"]["message"] == "this API key is unknown or revoked"
    assert api.counts()["sessions"] == 1


def test_rate_limit_answers_429_with_retry_after(api: Api) -> None:
    key = api.key("tight", rate_limit=3)
    session = api.new_session(key)
    api.say(key, session, "hello")
    api.say(key, session, "hello")
    limited = api.client.post(f"/v1/sessions/{session}/messages", json={"message": "hello"},
                              headers=key)
    assert limited.status_code == 429
    assert int(limited.headers["retry-after"]) >= 1
    assert limited.json()["error"]["type"] == "RateLimited"
    assert api.counts()["turns"] == 2
    other = api.key("other")  # limits are per key
    assert api.client.post("/v1/sessions", headers=other).status_code == 201


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "message"),
    [
        ("POST", "/v1/sessions/{s}/messages", b'{"message": ', 422, "JSON decode error"),
        ("POST", "/v1/sessions/{s}/messages", b'{"message": 5}', 422,
         "body.message: Input should be a valid string"),
        ("POST", "/v1/sessions/{s}/messages", b'{"message": ""}', 422, "message is empty"),
        ("POST", "/v1/sessions/{s}/messages", b'["hello"]', 422, "valid dictionary"),
        ("POST", "/v1/sessions/{s}/messages", b'{"message": "\xff"}', 400, "not valid JSON"),
        ("POST", "/v1/sessions/unknown-id/messages", b'{"message": "hi"}', 404, "not found"),
        ("POST", "/v1/sessions/bad%20id/messages", b'{"message": "hi"}', 422, "session id"),
        ("POST", "/v1/sessions/{s}/feedback", b'{"turn": 9, "rating": "down"}', 404,
         "has no turn 9"),
        ("POST", "/v1/sessions/{s}/feedback", b'{"turn": 1, "rating": "meh"}', 422,
         "body.rating"),
        ("POST", "/v1/sessions/{s}/feedback", b'{"turn": 0, "rating": "up"}', 422, "body.turn"),
        ("POST", "/v1/sessions", b'{"locale": "<script>"}', 422, "body.locale"),
        ("POST", "/v1/sessions", b'{"customer_ref": 12}', 422, "body.customer_ref"),
        ("GET", "/v1/sessions/unknown-id", None, 404, "not found"),
        ("DELETE", "/v1/sessions/unknown-id", None, 404, "not found"),
    ],
)
def test_bad_input_is_a_clear_4xx_and_stores_nothing(
    api: Api, method: str, path: str, body: bytes | None, status: int, message: str
) -> None:
    key = api.key()
    session = api.new_session(key)
    api.say(key, session, "hello")
    before = api.counts()
    response = api.client.request(method, path.replace("{s}", session), content=body,
                                  headers={**key, "content-type": "application/json"})
    assert response.status_code == status, response.text
    assert message in response.json()["error"]["message"]
    assert api.counts() == before


def test_oversized_bodies_are_refused_with_413(api: Api) -> None:
    key = api.key()
    session = api.new_session(key)
    before = api.counts()
    big = {"message": "x" * 70_000}
    declared = api.client.post(f"/v1/sessions/{session}/messages", json=big, headers=key)
    assert declared.status_code == 413
    assert declared.json()["error"]["type"] == "PayloadTooLarge"

    def stream():  # no content-length: the limit is enforced while reading
        yield b'{"message": "'
        for _ in range(20):
            yield b"y" * 5000
        yield b'"}'

    streamed = api.client.post(f"/v1/sessions/{session}/messages", content=stream(),
                               headers={**key, "content-type": "application/json"})
    assert streamed.status_code == 413
    assert api.counts() == before


def test_cors_allows_the_widget_origin_only(api: Api) -> None:
    preflight = {"Access-Control-Request-Method": "POST",
                 "Access-Control-Request-Headers": "authorization,content-type"}
    allowed = api.client.options("/v1/sessions", headers={"Origin": WIDGET_ORIGIN, **preflight})
    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == WIDGET_ORIGIN
    other = api.client.options("/v1/sessions",
                               headers={"Origin": "https://evil.test", **preflight})
    assert "access-control-allow-origin" not in other.headers


def test_request_id_is_echoed_and_logs_are_json_without_message_text(
    api: Api, capfd: pytest.CaptureFixture[str], json_logs: None
) -> None:
    key = api.key()
    session = api.new_session(key)
    response = api.client.post(f"/v1/sessions/{session}/messages",
                               json={"message": "my card hasn't arrived"},
                               headers={**key, "X-Request-ID": "req-42"})
    assert response.headers["x-request-id"] == "req-42"
    generated = api.client.get("/healthz").headers["x-request-id"]
    assert len(generated) == 32
    logs = capfd.readouterr().err
    import json

    lines = [json.loads(line) for line in logs.splitlines() if line.startswith("{")]
    request_line = next(line for line in lines if line.get("request_id") == "req-42")
    assert request_line["route"] == "/v1/sessions/{session_id}/messages"
    assert request_line["status"] == 200 and request_line["key_id"]
    assert "arrived" not in logs


def test_purge_erases_only_sessions_past_retention(api: Api) -> None:
    from datetime import UTC, datetime, timedelta

    import sqlalchemy as sa

    key = api.key()
    old, recent = api.new_session(key), api.new_session(key)
    api.say(key, old, "hello")
    api.say(key, recent, "hello")
    with api.store.engine.begin() as connection:
        connection.execute(sa.text("UPDATE sessions SET updated_at = :t WHERE id = :id"),
                           {"t": datetime.now(UTC) - timedelta(days=100), "id": old})
    assert api.store.purge(datetime.now(UTC) - timedelta(days=90)) == 1
    assert api.store.info(old) is None and api.store.info(recent) is not None
    assert api.counts()["turns"] == 1


# Whole numbers a database column cannot hold (PostgreSQL INTEGER is 32-bit, SQLite 64-bit),
# and the other numbers that are no turn: each a 422 naming the field, never a 500.
OUT_OF_RANGE_TURNS = [2**63, 2**31, 2**64, 10**40, -1, 0, 1e30, -1e30, 1.5]


def test_feedback_on_a_turn_number_out_of_range_is_a_422_naming_the_field(api: Api) -> None:
    key = api.key()
    session = api.new_session(key)
    api.say(key, session, "hello")
    before = api.counts()
    for turn in OUT_OF_RANGE_TURNS:
        response = api.client.post(f"/v1/sessions/{session}/feedback",
                                    json={"turn": turn, "rating": "up"}, headers=key)
        assert response.status_code == 422, (turn, response.text)
        message = response.json()["error"]["message"]
        assert message.startswith("body.turn: "), message
    for raw in (b'{"turn": NaN, "rating": "up"}', b'{"turn": Infinity, "rating": "up"}',
                b'{"turn": "NaN", "rating": "up"}', b'{"turn": 1e400, "rating": "up"}'):
        response = api.client.post(f"/v1/sessions/{session}/feedback", content=raw,
                                   headers={**key, "content-type": "application/json"})
        assert response.status_code == 422, (raw, response.text)
    assert api.counts() == before
    # The connection and the session still work afterwards.
    rated = api.client.post(f"/v1/sessions/{session}/feedback",
                            json={"turn": 1, "rating": "up"}, headers=key)
    assert rated.status_code == 201, rated.text


def test_feedback_turn_limit_is_in_the_openapi_spec(api: Api) -> None:
    spec = api.client.get("/openapi.json").json()
    turn = spec["components"]["schemas"]["FeedbackIn"]["properties"]["turn"]
    assert turn["minimum"] == 1 and turn["maximum"] == 2**31 - 1


def test_chat_answers_a_foreign_session_id_exactly_like_an_unknown_one(api: Api) -> None:
    """`/v1/chat` must not tell a caller whether a session id it chose exists: another key's
    session and an id nobody used get the same 404, and neither creates a session. A new
    session starts only by leaving `session_id` out."""
    owner, stranger = api.key("owner"), api.key("stranger")
    theirs = api.new_session(owner)
    api.say(owner, theirs, "hello")
    before = api.counts()
    answers = []
    for session_id in (theirs, "f" * 32, "customer-42"):
        response = api.client.post("/v1/chat", json={"session_id": session_id,
                                                     "message": "hello"}, headers=stranger)
        body = response.json()
        answers.append((response.status_code, body["error"]["type"],
                        body["error"]["message"].replace(session_id, "<id>")))
    assert answers[0] == answers[1] == answers[2], answers
    assert answers[0][0] == 404
    assert api.counts() == before  # no session was created for a chosen id
    started = api.client.post("/v1/chat", json={"message": "hello"}, headers=stranger)
    assert started.status_code == 200
    again = api.client.post("/v1/chat", json={"session_id": started.json()["session_id"],
                                              "message": "my card hasn't arrived"},
                            headers=stranger)
    assert again.status_code == 200
    assert again.json()["session_id"] == started.json()["session_id"]
