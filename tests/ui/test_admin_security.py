"""The admin pages against another web page, a password guesser and a curious visitor: the
app is the real one (FastAPI + the mounted Gradio admin) on the tiny KB, called with the
public host name of a bank's deployment."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from bot.api.app import create_app
from bot.config import Settings
from bot.kb import KnowledgeBase
from bot.nlu.encoder import SentenceEncoder
from bot.pipeline import Assistant, build_components
from bot.runtime import Runtime
from bot.storage.sessions import SqlSessionStore
from ui.admin_auth import COOKIE, AdminSessions

HOST = "assistant.example-bank.com"
BASE = f"https://{HOST}"
EVIL = "https://evil.example"
SAME_SITE_OTHER_ORIGIN = "https://blog.example-bank.com"
PASSWORD = "correct horse battery staple"


def admin_client(settings: Settings, kb: KnowledgeBase, encoder: SentenceEncoder,
                 folder: Path) -> TestClient:
    settings = settings.model_copy(update={
        "admin_password": SecretStr(PASSWORD), "admin_login_failures_allowed": 3})
    store = SqlSessionStore(f"sqlite:///{folder / 'teller.db'}")
    assistant = Assistant(build_components(settings, kb=kb, encoder=encoder, store=store),
                          settings)
    return TestClient(create_app(Runtime(settings, assistant), with_ui=True), base_url=BASE)


@pytest.fixture(scope="module")
def admin_app(tiny_settings: Settings, tiny_kb: KnowledgeBase, encoder: SentenceEncoder,
              tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    folder = tmp_path_factory.mktemp("admin-security")
    with admin_client(tiny_settings, tiny_kb, encoder, folder) as client:
        yield client


def sign_in(client: TestClient, password: str = PASSWORD, ip_headers: dict | None = None):
    return client.post("/admin/login", data={"username": "admin", "password": password},
                       headers={"Origin": BASE, **(ip_headers or {})}, follow_redirects=False)


@pytest.fixture
def signed_in(admin_app: TestClient) -> Iterator[TestClient]:
    response = sign_in(admin_app)
    assert response.status_code == 303, response.text
    yield admin_app
    admin_app.cookies.clear()


def test_a_preflight_from_another_site_gets_no_credentialed_cors(admin_app: TestClient) -> None:
    response = admin_app.options("/admin/gradio_api/call/save_entry", headers={
        "Origin": EVIL, "Access-Control-Request-Method": "POST"})
    assert response.status_code == 403
    assert "access-control-allow-origin" not in response.headers
    assert "access-control-allow-credentials" not in response.headers


def test_a_signed_in_admin_cannot_be_driven_by_another_origin(signed_in: TestClient) -> None:
    for origin in (EVIL, SAME_SITE_OTHER_ORIGIN, "null"):
        response = signed_in.post("/admin/gradio_api/queue/join", json={
            "fn_index": 0, "session_hash": "x1", "data": []}, headers={"Origin": origin})
        assert response.status_code == 403, origin
        assert "evil" not in response.text
    # A Referer from another site counts when a browser sends no Origin.
    response = signed_in.post("/admin/gradio_api/queue/join", json={
        "fn_index": 0, "session_hash": "x1", "data": []},
        headers={"Referer": f"{EVIL}/page.html"})
    assert response.status_code == 403


def test_reads_from_another_origin_get_no_cors_grant(signed_in: TestClient) -> None:
    response = signed_in.get("/admin/config", headers={"Origin": EVIL})
    assert "access-control-allow-origin" not in response.headers


def test_the_admin_pages_own_calls_still_work(signed_in: TestClient) -> None:
    response = signed_in.get("/admin/config", headers={"Origin": BASE})
    assert response.status_code == 200
    assert "components" in response.json()


def test_the_sign_in_page_shows_nothing_of_the_admin_api(admin_app: TestClient) -> None:
    first = admin_app.get("/admin/", headers={"Accept": "text/html"}, follow_redirects=False)
    assert (first.status_code, first.headers["location"]) == (303, "/admin/login")
    page = admin_app.get("/admin/login")
    assert page.status_code == 200 and 'type="password"' in page.text
    for secret in ("gradio_api_info", "save_entry", "find-iban", "card_arrival"):
        assert secret not in page.text
    for path in ("/admin/config", "/admin/gradio_api/info", "/admin/gradio_api/info/"):
        assert admin_app.get(path).status_code == 401, path


def test_the_session_cookie_is_strict_http_only_and_scoped_to_the_admin(
        admin_app: TestClient) -> None:
    response = sign_in(admin_app)
    cookie = response.headers["set-cookie"].lower()
    assert cookie.startswith(f"{COOKIE}=")
    for attribute in ("httponly", "samesite=strict", "path=/admin", "secure"):
        assert attribute in cookie, attribute
    admin_app.cookies.clear()


def test_guessing_is_throttled_and_logged(tiny_settings: Settings, tiny_kb: KnowledgeBase,
                                          encoder: SentenceEncoder, tmp_path: Path,
                                          caplog: pytest.LogCaptureFixture) -> None:
    guesser = {"X-Forwarded-For": "203.0.113.9"}  # not trusted: the peer address counts
    admin_app = admin_client(tiny_settings, tiny_kb, encoder, tmp_path)
    with caplog.at_level(logging.WARNING, logger="teller.security"):
        statuses = [sign_in(admin_app, f"guess-{n}", guesser).status_code for n in range(3)]
        refused = sign_in(admin_app, PASSWORD)  # even the right password waits now
    assert statuses == [400, 400, 400]
    assert refused.status_code == 429
    assert int(refused.headers["retry-after"]) > 0
    assert COOKIE not in refused.headers.get("set-cookie", "")
    failures = [r for r in caplog.records if "failed admin sign-in" in r.getMessage()]
    assert len(failures) == 3
    assert all("guess-" not in r.getMessage() for r in caplog.records)  # no password logged


def test_deep_links_are_off(admin_app: TestClient) -> None:
    assert admin_app.get("/gradio_api/deep_link", params={"session_hash": "x"}
                         ).status_code == 404


def test_a_cookie_from_one_replica_works_on_another_until_the_password_changes() -> None:
    now = [1_000_000.0]
    first = AdminSessions("admin", PASSWORD, clock=lambda: now[0])
    second = AdminSessions("admin", PASSWORD, clock=lambda: now[0])
    cookie = first.issue()
    assert second.user(cookie) == "admin"
    assert AdminSessions("admin", "another long password!", clock=lambda: now[0]
                         ).user(cookie) is None
    payload, signature = cookie.split(".")
    assert second.user(f"{payload}.{signature[:-2]}xx") is None  # forged
    assert second.user(f"{payload}x.{signature}") is None
    now[0] += first.lifetime_seconds + 1
    assert second.user(cookie) is None  # expired


def test_production_refuses_weak_admin_passwords() -> None:
    for weak in ("a", "teller-dev-admin", "aaaaaaaaaaaaaaaa", "admin-admin-2024x"):
        with pytest.raises(ValueError, match="too weak"):
            Settings(environment="production", admin_password=SecretStr(weak))
    strong = SecretStr("v9-Kq2-xL7-pW3")
    assert Settings(environment="production", admin_password=strong).admin_password
    assert Settings(environment="development", admin_password=SecretStr("a")).admin_password


def test_metrics_need_the_token_when_one_is_set(tiny_settings: Settings, tiny_kb: KnowledgeBase,
                                                encoder: SentenceEncoder, tmp_path: Path) -> None:
    def client(**update: object) -> TestClient:
        settings = tiny_settings.model_copy(update=update)
        assistant = Assistant(build_components(settings, kb=tiny_kb, encoder=encoder),
                              settings)
        return TestClient(create_app(Runtime(settings, assistant), with_ui=False))

    with_token = client(metrics_token=SecretStr("scrape-me"))
    assert with_token.get("/metrics").status_code == 401
    assert with_token.get("/metrics", headers={"Authorization": "Bearer nope"}
                          ).status_code == 401
    assert with_token.get("/metrics", headers={"Authorization": "Bearer scrape-me"}
                          ).status_code == 200
    assert client(environment="production", dev_api_key="").get("/metrics").status_code == 404
    assert client().get("/metrics").status_code == 200  # development, loopback


@pytest.mark.parametrize("path, body", [
    ("/gradio_api/queue/join", {"fn_index": 9999, "session_hash": "h1", "data": []}),
    ("/gradio_api/run/predict", {"fn_index": 9999, "data": []}),
    ("/gradio_api/call/no_such_function", {"data": []}),
    ("/gradio_api/run/no_such_function", {"data": []}),
])
def test_unknown_gradio_functions_are_a_404_not_a_crash(admin_app: TestClient, path: str,
                                                        body: dict) -> None:
    response = admin_app.post(path, json=body)
    assert response.status_code == 404
    assert response.json()["error"]["message"] == "the page has no such function"


def test_gradio_errors_do_not_echo_the_request(admin_app: TestClient) -> None:
    marker = "4539 0377 0388 0363 secret-marker"
    for body in ({"fn_index": marker, "session_hash": "h1", "data": []},
                 {"fn_index": 0, "session_hash": "h1", "data": marker}, [marker]):
        response = admin_app.post("/gradio_api/queue/join", json=body)
        assert 400 <= response.status_code < 500
        assert "secret-marker" not in response.text and "4539" not in response.text


def test_an_unknown_admin_function_is_a_404_for_a_signed_in_admin(signed_in: TestClient
                                                                   ) -> None:
    response = signed_in.post("/admin/gradio_api/queue/join", headers={"Origin": BASE},
                              json={"fn_index": 9999, "session_hash": "h2", "data": []})
    assert response.status_code == 404
