"""A customer answering a form through the API never reads a Python error: an answer the
form cannot use gets a reply that says what to type, and the exception goes to the log.

The tiny KB with the default KB's loan form added (started by its button payload)."""

from __future__ import annotations

import re
import shutil

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.kb import load_knowledge_base
from knowledge_base import DEFAULT_KB_DIR
from tests.api.harness import Api, build_api
from tests.conftest import TINY_KB

PYTHON_ERROR = re.compile(r"could not convert|invalid literal|has no attribute|Traceback|"
                          r"argument must be|cannot convert|infinity|\binf\b|\bnan\b|"
                          r"failed[:(]|Error\b", re.IGNORECASE)
HUGE = "9" * 400  # read as a number too large for a float


@pytest.fixture(scope="module")
def form_api(tmp_path_factory: pytest.TempPathFactory, tiny_settings, encoder) -> Api:
    folder = tmp_path_factory.mktemp("form-api")
    kb_dir = folder / "kb"
    shutil.copytree(TINY_KB, kb_dir)
    forms = (DEFAULT_KB_DIR / "forms.yaml").read_text(encoding="utf-8")
    # Only the loan form, started here by its button payload; its intent is one the tiny
    # KB has.
    loan = forms.split("  - name: portfolio_advice")[0]
    (kb_dir / "forms.yaml").write_text(
        loan.replace("intent: loan_enquiry", "intent: card_arrival"), encoding="utf-8")
    return build_api(f"sqlite:///{folder / 'teller.db'}", tiny_settings,
                     load_knowledge_base(kb_dir), encoder)


def start_loan(api: Api) -> tuple[dict[str, str], str]:
    key = api.key()
    session = api.new_session(key)
    reply = api.say(key, session, "/form:loan_application")
    assert reply["action"] == "form_ask", reply
    return key, session


def send(api: Api, key: dict[str, str], session: str, message: str) -> dict[str, object]:
    response = api.client.post(f"/v1/sessions/{session}/messages", json={"message": message},
                               headers=key)
    assert response.status_code == 200, (message[:40], response.status_code, response.text)
    reply = dict(response.json())
    assert not PYTHON_ERROR.search(str(reply["text"])), reply["text"]
    return reply


@pytest.mark.parametrize(("answers", "expected"), [
    ([HUGE], "between €1,000 and €50,000"),
    (["5000 euros", HUGE], "between 12 months and 72 months"),
    (["5000 euros", "24 months", "a used car", HUGE], "between 18 and 100"),
    (["5000 euros", "24 months", "a used car", "41", f"{HUGE} years"], "between"),
])
def test_a_number_too_large_to_read_is_asked_again_politely(
        form_api: Api, answers: list[str], expected: str) -> None:
    key, session = start_loan(form_api)
    for answer in answers[:-1]:
        assert send(form_api, key, session, answer)["action"] == "form_ask"
    reply = send(form_api, key, session, answers[-1])
    assert reply["action"] == "form_invalid", reply
    assert expected in str(reply["text"]), reply["text"]
    assert "too large" in str(reply["text"])
    # The form goes on with a usable answer.
    fixed = {"between €1,000 and €50,000": "5000", "between 12 months and 72 months": "24",
             "between 18 and 100": "41", "between": "3 years"}[expected]
    assert send(form_api, key, session, fixed)["action"] in ("form_ask", "tool_result")


def test_a_validation_action_that_raises_gets_a_polite_reply_and_a_log_line(
        form_api: Api, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    key, session = start_loan(form_api)

    def broken(*_: object, **__: object) -> None:
        raise ValueError("could not convert string to float: 'abc'")

    monkeypatch.setattr("bot.actions.forms.fill_slots", broken)
    reply = send(form_api, key, session, "abc")
    assert reply["action"] == "form_invalid"
    assert str(reply["text"]).startswith("Sorry, I couldn't read that answer. Please give the "
                                         "amount as a number, like 5000."), reply["text"]
    assert "could not convert string to float" in caplog.text  # logged, not shown
    monkeypatch.undo()
    assert send(form_api, key, session, "5000 euros")["action"] == "form_ask"


LOAN_ANSWERS = ["5000 euros", "24 months", "a used car", "41", "3 years", "I rent", "2000"]
ODD_ANSWERS = st.sampled_from([HUGE, f"-{HUGE}", f"{HUGE} years", f"€{HUGE}", f"{HUGE}%",
                               "1e400", "NaN", "inf euros", "-1", "0", "1" + "0" * 30,
                               "٥٠٠٠", "１２３", "5,000,000,000,000,000,000", "10^400",
                               f"{HUGE} months and {HUGE} years", "2**63", "9" * 30 + "k"])


@settings(max_examples=100, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(step=st.integers(0, len(LOAN_ANSWERS) - 1),
       answer=ODD_ANSWERS | st.text(st.characters(blacklist_categories=["Cs", "Cc"]),
                                    min_size=1, max_size=60))
def test_no_answer_at_any_step_gets_a_python_error(form_api: Api, step: int,
                                                   answer: str) -> None:
    key, session = start_loan(form_api)
    for given_answer in LOAN_ANSWERS[:step]:
        send(form_api, key, session, given_answer)
    if answer.strip():
        send(form_api, key, session, answer)
