"""Property-based fuzzing of every operation in the OpenAPI spec (Hypothesis): whatever the
path, body and key, the API answers below 500 with a JSON error, and a refused request
stores nothing."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from tests.api.harness import Api, build_api

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=300),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=10,
)

PLAIN_TEXT = st.text(st.characters(categories=["L", "N", "Zs", "P"]), min_size=1, max_size=200)


@pytest.fixture(scope="module")
def api(tmp_path_factory, tiny_settings, tiny_kb, encoder) -> Api:
    url = f"sqlite:///{tmp_path_factory.mktemp('fuzz') / 'teller.db'}"
    return build_api(url, tiny_settings, tiny_kb, encoder, rate_limit_per_minute=100_000)


def operations(api: Api) -> list[tuple[str, str, dict[str, Any]]]:
    """(method, path template, JSON body schema's properties) for every /v1 operation."""
    spec = api.client.get("/openapi.json").json()
    schemas = spec["components"]["schemas"]
    found = []
    for path, item in spec["paths"].items():
        if not path.startswith(("/v1", "/webhooks")):
            continue
        for method, operation in item.items():
            body = operation.get("requestBody", {}).get("content", {}).get("application/json")
            properties: dict[str, Any] = {}
            if body:
                ref = body["schema"].get("$ref") or next(
                    (s["$ref"] for s in body["schema"].get("anyOf", []) if "$ref" in s), None)
                if ref:
                    properties = schemas[ref.rsplit("/", 1)[1]].get("properties", {})
            found.append((method.upper(), path, properties))
    return found


def test_the_spec_lists_every_operation(api: Api) -> None:
    listed = {(m, p) for m, p, _ in operations(api)}
    assert ("POST", "/v1/sessions/{session_id}/messages") in listed
    assert ("DELETE", "/v1/sessions/{session_id}") in listed
    assert ("POST", "/webhooks/rest/webhook") in listed


@settings(max_examples=250, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_no_request_gets_a_5xx_or_stores_anything_when_refused(api: Api, data: st.DataObject
                                                               ) -> None:
    if not hasattr(api, "owned") or api.store.info(api.owned[1]) is None:
        headers = api.key("fuzz", 100_000)
        api.owned = (headers, api.new_session(headers))  # type: ignore[attr-defined]
    headers, session = api.owned  # type: ignore[attr-defined]
    method, template, properties = data.draw(st.sampled_from(operations(api)))
    session_id = data.draw(st.sampled_from([session, session, session, "unknown-session"])
                           | st.text(max_size=80))
    path = template.replace("{session_id}", quote(session_id, safe="") or "%20")
    if properties and data.draw(st.integers(0, 3)) > 0:
        value = (PLAIN_TEXT | PLAIN_TEXT | st.text(max_size=300) | JSON_VALUES
                 | st.sampled_from(["hello", "my card is late", "up", "down", 1, 2]))
        body: Any = data.draw(st.fixed_dictionaries({name: value for name in properties}))
    else:
        body = data.draw(JSON_VALUES)
    auth = data.draw(st.sampled_from([headers, headers, headers, {},
                                      {"Authorization": "Bearer tk_x"},
                                      {"Authorization": "Basic abc"}]))
    raw = data.draw(st.integers(0, 4)) == 0
    before = api.counts()
    if raw:
        content = data.draw(st.binary(max_size=200))
        response = api.client.request(method, path, content=content,
                                      headers={**auth, "content-type": "application/json"})
    else:
        response = api.client.request(method, path, json=body, headers=auth)
    event(f"{method} {template} -> {response.status_code}")
    assert response.status_code < 500, response.text
    if response.status_code >= 400:
        assert "error" in response.json()
        assert api.counts() == before
