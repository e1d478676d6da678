"""The default assistant in Spanish, the smaller locale: a new language is content only (the
locale folder, a test set), with no code of its own. The forms' answers in Spanish words
(durations in "años" and "meses" come from the locale's own unit words), the tools' results
in Spanish, and a session that moves between English and Spanish."""

from __future__ import annotations

from bot.pipeline import Assistant
from tests.dialogue.talk import talk


def test_a_loan_check_in_spanish_reaches_its_decision(default_assistant: Assistant) -> None:
    replies = talk(default_assistant, [
        "hola, quisiera pedir un préstamo personal", "5000 euros", "2 años",
        "para comprar un coche de segunda mano", "tengo 41 años",
        "llevo 10 años en la misma empresa", "vivo de alquiler", "unos 3000 euros ahorrados"])
    start, *answers, decision = replies
    assert start.form == "loan_application" and start.language == "es", start.text
    assert all(r.action == "form_ask" for r in answers), [r.text for r in answers]
    assert decision.action == "tool_result", decision.text
    application = decision.data["application"]
    assert application["amount_eur"] == 5000 and application["duration_months"] == 24
    assert application["purpose"] == "used_car" and application["age"] == 41
    assert application["housing"] == "rent" and application["employment"] == "7_years_or_more"
    assert all(r.language == "es" for r in replies)
    assert decision.text.endswith(
        "Este es un resultado orientativo, no una decisión de crédito ni una oferta.")


def test_a_portfolio_in_spanish(default_assistant: Assistant) -> None:
    replies = talk(default_assistant, [
        "me gustaría que me recomendaran una cartera de inversión", "tengo 35 años",
        "unos 20 años", "para cuando me jubile", "mantendría y esperaría a que se recupere",
        "mi trabajo es estable, con sueldo fijo"])
    start, *answers, result = replies
    assert start.form == "portfolio_advice" and start.language == "es", start.text
    assert all(r.action == "form_ask" for r in answers), [r.text for r in answers]
    assert result.action == "tool_result", result.text
    assert result.text.startswith("Sus respuestas dan una puntuación de riesgo de")
    assert all(r.language == "es" for r in replies)


def test_english_and_spanish_in_one_session(default_assistant: Assistant) -> None:
    english, spanish, short = talk(default_assistant, [
        "my card still hasn't arrived", "me han cobrado dos veces la misma compra", "ok"])
    assert english.language == "en" and english.intent is not None
    assert english.intent.name == "card_arrival"
    assert spanish.language == "es" and spanish.intent is not None
    assert spanish.intent.name == "transaction_charged_twice"
    assert short.language == "es"  # too short to tell: the session's language
