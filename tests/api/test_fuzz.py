"""Property-based fuzzing of every route and method in the OpenAPI spec (Hypothesis), on
SQLite and on PostgreSQL: whatever the path parameters, query, body and key, the API answers
below 500 with a JSON error that does not quote the request body, and a refused request
stores nothing.

Bodies are drawn from each operation's JSON schema (values at and past its limits: integers
beyond 32 and 64 bits, strings one past `maxLength`), with wrong types, unknown fields, and
whole bodies that are random JSON, deeply nested JSON, numbers JSON cannot carry (NaN,
Infinity, 1e400, a 5,000-digit integer) or raw bytes."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from tests.api.harness import Api, build_api
from tests.conftest import POSTGRES_URL
from tests.fuzz_values import (
    HOSTILE_NUMBERS,
    HUGE_INTS,
    JSON_VALUES,
    NUMBER_TEXTS,
    ODD_FLOATS,
    SCALARS,
    UNICODE,
)
from tests.servers import postgres_schema

PLAIN_TEXT = st.text(st.characters(categories=["L", "N", "Zs", "P"]), min_size=1, max_size=200)
MESSAGES = PLAIN_TEXT | st.sampled_from(["hello", "my card is late", "/card_arrival",
                                         "/faq:card-arrival", "/form:nope", "x" * 2001])
HTTP_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]
ECHO_CHECK_MIN = 24  # a value this long in the body must not appear in an error reply
ECHO_ALLOWED = {"session_id", "sender"}  # ids an error may name (checked safe: 1-64 chars)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def api(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
        tiny_settings, tiny_kb, encoder) -> Iterator[Api]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('fuzz') / 'teller.db'}"
        yield build_api(url, tiny_settings, tiny_kb, encoder, rate_limit_per_minute=100_000)
        return
    with postgres_schema(POSTGRES_URL, prefix="teller_fuzz") as url:
        built = build_api(url, tiny_settings, tiny_kb, encoder, rate_limit_per_minute=100_000)
        yield built
        built.store.engine.dispose()


Operation = tuple[str, str, dict[str, Any] | None]


def operations(api: Api) -> tuple[list[Operation], dict[str, Any]]:
    """(method, path template, JSON body schema or None) for every operation of the spec,
    and the spec's component schemas."""
    spec = api.client.get("/openapi.json").json()
    found: list[Operation] = []
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            body = operation.get("requestBody", {}).get("content", {}).get("application/json")
            found.append((method.upper(), path, body["schema"] if body else None))
    return found, spec["components"]["schemas"]


def resolve(schema: dict[str, Any], schemas: dict[str, Any]) -> dict[str, Any]:
    """The object schema behind a `$ref`, or behind the `$ref` of an optional body
    (`anyOf: [{$ref}, {type: null}]`)."""
    for option in [schema, *schema.get("anyOf", [])]:
        if "$ref" in option:
            return dict(schemas[option["$ref"].rsplit("/", 1)[1]])
    return schema


def schema_values(schema: dict[str, Any], schemas: dict[str, Any], depth: int = 0
                  ) -> st.SearchStrategy[Any]:
    """Values for a JSON schema: valid ones, the ones at and just past its limits, and
    (at any level) values of the wrong type."""
    if "$ref" in schema:
        schema = schemas[schema["$ref"].rsplit("/", 1)[1]]
    if "anyOf" in schema:
        return st.one_of([schema_values(s, schemas, depth) for s in schema["anyOf"]])
    wrong = SCALARS if depth else JSON_VALUES
    kind = schema.get("type")
    if "enum" in schema:
        right: st.SearchStrategy[Any] = st.sampled_from(schema["enum"])
    elif kind == "integer":
        low, high = schema.get("minimum"), schema.get("maximum")
        edges = [v for edge in (low, high) if edge is not None for v in (edge - 1, edge, edge + 1)]
        right = st.integers(low, high) | st.sampled_from(edges or [0]) | HUGE_INTS | ODD_FLOATS
    elif kind == "number":
        right = st.floats(allow_nan=False, allow_infinity=False) | ODD_FLOATS | HUGE_INTS
    elif kind == "string":
        limit = schema.get("maxLength")
        edges = ["x" * limit, "x" * (limit + 1)] if limit else ["x" * 3000]
        right = (MESSAGES | UNICODE | NUMBER_TEXTS | st.sampled_from(edges)
                 | st.sampled_from(schema.get("examples") or ["hello"]))
    elif kind == "boolean":
        right = st.booleans()
    elif kind == "null":
        right = st.none()
    elif kind == "object" and "properties" in schema and depth < 3:
        right = objects(schema, schemas, depth + 1)
    elif kind == "object":
        right = st.dictionaries(st.text(max_size=10), JSON_VALUES, max_size=4)
    else:
        right = JSON_VALUES
    return right | right | right | wrong


@st.composite
def objects(draw: st.DrawFn, schema: dict[str, Any], schemas: dict[str, Any],
            depth: int = 0) -> dict[str, Any]:
    """An object for `schema`: each property usually present (required ones sometimes left
    out), sometimes an unknown field."""
    schema = resolve(schema, schemas)
    body: dict[str, Any] = {}
    for name, prop in schema.get("properties", {}).items():
        if draw(st.integers(0, 5)) > 0:
            body[name] = draw(schema_values(prop, schemas, depth))
    if draw(st.integers(0, 5)) == 0:
        body[draw(st.text(min_size=1, max_size=12))] = draw(JSON_VALUES)
    return body


@st.composite
def hostile_bytes(draw: st.DrawFn) -> bytes:
    """A raw body Python's JSON parser chokes on or reads oddly."""
    kind = draw(st.sampled_from(["nested", "number", "number", "bytes", "text"]))
    if kind == "nested":
        depth = draw(st.integers(100, 30_000))
        return (b"[" * depth + b"]" * depth) if draw(st.booleans()) else (
            b'{"message":' * depth + b'"x"' + b"}" * depth)
    if kind == "number":
        field = draw(st.sampled_from(["turn", "message", "session_id", "customer_ref",
                                      "metadata", "sender", "rating"]))
        number = draw(HOSTILE_NUMBERS)
        return f'{{"{field}": {number}, "message": "hello", "rating": "up"}}'.encode()
    if kind == "text":
        return draw(st.text(max_size=200)).encode("utf-8", "surrogatepass")
    return draw(st.binary(max_size=300))


def long_strings(value: Any, key: str = "") -> Iterator[str]:
    """Every string in `value` of `ECHO_CHECK_MIN` characters or more, but the ids."""
    if isinstance(value, str) and len(value) >= ECHO_CHECK_MIN and key not in ECHO_ALLOWED:
        yield value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from long_strings(v, str(k))
    elif isinstance(value, list):
        for v in value:
            yield from long_strings(v, key)


def owned_session(api: Api) -> tuple[dict[str, str], str]:
    """A key and a session of it (drawn again when a fuzzed DELETE erased it)."""
    if not hasattr(api, "owned") or api.store.info(api.owned[1]) is None:
        headers = api.key("fuzz", 100_000)
        api.owned = (headers, api.new_session(headers))  # type: ignore[attr-defined]
        api.say(headers, api.owned[1], "hello")  # type: ignore[attr-defined]
    return api.owned  # type: ignore[attr-defined]


def check_reply(api: Api, response: Any, raw: bytes, body: Any, before: dict[str, int],
                path_id: str = "") -> None:
    """`path_id`: the session id the request's path named, which an error may quote even when
    the body happens to hold the same text (a body of 10**40 and a session
    '10000000000000000000000000000000000000000')."""
    assert response.status_code < 500, response.text[:500]
    if response.status_code < 400:
        return
    error = response.json()["error"]
    assert isinstance(error["message"], str) and len(error["message"]) <= 1000, error
    assert "Traceback" not in error["message"]
    text = response.text
    if len(path_id) >= ECHO_CHECK_MIN:
        text = text.replace(json.dumps(path_id)[1:-1], "<the path's session id>")
    if len(raw) >= ECHO_CHECK_MIN:
        assert raw.decode("utf-8", "replace") not in text, "the error quotes the body"
    for value in long_strings(body):
        assert json.dumps(value)[1:-1] not in text and value not in text, \
            "the error quotes a value of the body"
    assert api.counts() == before


def test_the_spec_lists_every_operation(api: Api) -> None:
    listed = {(m, p) for m, p, _ in operations(api)[0]}
    assert ("POST", "/v1/sessions/{session_id}/messages") in listed
    assert ("POST", "/v1/sessions/{session_id}/feedback") in listed
    assert ("DELETE", "/v1/sessions/{session_id}") in listed
    assert ("POST", "/webhooks/rest/webhook") in listed
    assert ("GET", "/healthz") in listed and ("POST", "/v1/chat") in listed


# Bodies every operation gets in `test_every_operation_survives_the_same_hostile_bodies`.
SWEEP_BODIES = [
    b"", b"{}", b"[]", b"null", b'"text"', b"1e400", b"NaN", b"[" * 3000 + b"]" * 3000,
    b'{"message": "hello", "turn": 1e30, "rating": "up", "sender": "s-1"}',
    b'{"message": "hello", "turn": ' + str(2**63).encode() + b', "rating": "up"}',
    b'{"message": ["hello"], "session_id": 5, "turn": "1", "metadata": [NaN]}',
    b'{"message": "' + b"\\u00e9\\ud83d\\ude00" * 50 + b'"}',  # JSON escapes: an emoji
    b'{"message": "\\ud800", "customer_ref": "' + b"x" * 129 + b'"}',  # a lone surrogate
    b"\xff\xfe",
]


def test_every_operation_survives_the_same_hostile_bodies(api: Api) -> None:
    """A fixed sweep, so that no operation depends on what Hypothesis happens to draw."""
    headers, session = owned_session(api)
    found, _ = operations(api)
    for method, template, _ in found:
        path = template.replace("{session_id}", session)
        for raw in SWEEP_BODIES:
            before = api.counts()
            response = api.client.request(method, path, content=raw, params={"turn": "1e400"},
                                          headers={**headers,
                                                   "content-type": "application/json"})
            check_reply(api, response, raw, None, before)
        headers, session = owned_session(api)  # a DELETE may have erased it


@settings(max_examples=400, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.data_too_large])
@given(data=st.data())
def test_no_request_to_any_operation_gets_a_5xx_or_an_echo(api: Api, data: st.DataObject
                                                           ) -> None:
    headers, session = owned_session(api)
    found, schemas = operations(api)
    method, template, schema = data.draw(st.sampled_from(found))
    if data.draw(st.integers(0, 9)) == 0:  # a method the route does not have
        method = data.draw(st.sampled_from(HTTP_METHODS))
    session_id = data.draw(st.sampled_from([session, session, session, "unknown-session"])
                           | st.text(max_size=80) | NUMBER_TEXTS
                           | HUGE_INTS.map(str) | st.just("x" * 65))
    path = template.replace("{session_id}", quote(session_id, safe="") or "%20")
    query = data.draw(st.dictionaries(st.text(max_size=10), st.text(max_size=40)
                                      | NUMBER_TEXTS | HUGE_INTS.map(str), max_size=3))
    body: Any = (data.draw(objects(schema, schemas)) if schema and data.draw(st.integers(0, 4))
                 else data.draw(JSON_VALUES))
    auth = data.draw(st.sampled_from([headers, headers, headers, {},
                                      {"Authorization": "Bearer tk_x"},
                                      {"Authorization": "Basic abc"}]))
    raw = json.dumps(body).encode()
    before = api.counts()
    response = api.client.request(method, path, params=query, content=raw,
                                  headers={**auth, "content-type": "application/json"})
    event(f"{method} {template} -> {response.status_code}")
    check_reply(api, response, raw, body, before,
                path_id=session_id if "{session_id}" in template else "")


def test_an_error_may_name_the_session_of_its_path_when_the_body_holds_the_same_text(
    api: Api
) -> None:
    """Found by the fuzz above: an unknown session '1' followed by 40 zeros, and the body
    10**40. The 404 names the session, as it should; it does not quote the body."""
    headers, _ = owned_session(api)
    session_id, raw = str(10**40), json.dumps(10**40).encode()
    before = api.counts()
    response = api.client.request("GET", f"/v1/sessions/{session_id}", content=raw,
                                  headers={**headers, "content-type": "application/json"})
    assert response.status_code == 404 and session_id in response.text
    check_reply(api, response, raw, 10**40, before, path_id=session_id)
    with pytest.raises(AssertionError, match="quotes the body"):
        check_reply(api, response, raw, 10**40, before)


@settings(max_examples=400, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.data_too_large])
@given(data=st.data())
def test_no_body_drawn_from_the_schema_gets_a_5xx_or_an_echo(api: Api, data: st.DataObject
                                                             ) -> None:
    """The operations that take a JSON body, with the caller's key and session: the body's
    values reach the handlers and the database."""
    headers, session = owned_session(api)
    found, schemas = operations(api)
    method, template, schema = data.draw(st.sampled_from([op for op in found if op[2]]))
    assert schema is not None
    path = template.replace("{session_id}", session)
    body = data.draw(objects(schema, schemas))
    raw = json.dumps(body).encode()
    before = api.counts()
    response = api.client.request(method, path, content=raw,
                                  headers={**headers, "content-type": "application/json"})
    event(f"{method} {template} -> {response.status_code}")
    check_reply(api, response, raw, body, before)


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_hostile_json_bodies_get_a_4xx_not_a_5xx(api: Api, data: st.DataObject) -> None:
    headers, session = owned_session(api)
    found, _ = operations(api)
    method, template, _ = data.draw(st.sampled_from([op for op in found if op[2]]))
    path = template.replace("{session_id}", session)
    raw = data.draw(hostile_bytes())
    before = api.counts()
    response = api.client.request(method, path, content=raw,
                                  headers={**headers, "content-type": "application/json"})
    event(f"{method} {template} -> {response.status_code}")
    check_reply(api, response, raw, None, before)
