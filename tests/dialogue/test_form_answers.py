"""A message inside a form is read as an answer to the question asked first: in the
customer's own words (matched by meaning on the real sentence encoder), whatever the intent
model guessed for it. Only an explicit restart or cancel ends the form, and an answer is
recorded as an answer (its slots), never as an intent. The intent model's guess for each
message is given directly, as the bad guesses customers ran into."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.components import build_forms, policy_config
from bot.config import Settings
from bot.dialogue.manager import DialogueManager
from bot.dialogue.policy import RulePolicy, Understanding
from bot.dialogue.state import SessionState
from bot.dialogue.store import InMemorySessionStore, SessionStore
from bot.kb import KnowledgeBase
from bot.nlu.encoder import SentenceEncoder
from bot.nlu.types import IntentPrediction, IntentScore
from bot.response import SLOTS_FILLED, BotResponse
from bot.retrieval.faq_index import FaqHit
from bot.storage.analytics import dashboard
from bot.storage.sessions import SqlSessionStore
from training.prepare import prepare_credit_risk_model
from ui.chat import explanation_html

LOAN_START = ("I'd like a loan of 9000 euros over 3 years", "loan_enquiry", 0.96)
PORTFOLIO_START = ("could you suggest how to invest my savings", "portfolio_recommendation",
                   0.93)


class Chat:
    """One session through the real dialogue manager, forms, rasa-sdk executor and encoder."""

    def __init__(self, settings: Settings, kb: KnowledgeBase, encoder: SentenceEncoder,
                 store: SessionStore | None = None) -> None:
        self.store = store or InMemorySessionStore()
        self.manager = DialogueManager(kb, RulePolicy(kb, policy_config(settings)), self.store,
                                       forms=build_forms(settings, kb, encoder))

    def say(self, text: str, intent: str = "greet", confidence: float = 0.05,
            out_of_scope: bool = False, faq: tuple[str, float] | None = None) -> BotResponse:
        """`faq`: the FAQ entry id the index found closest, and its score."""
        prediction = IntentPrediction([IntentScore(intent, confidence)], out_of_scope)
        hits = []
        if faq is not None:
            entry = self.manager.kb.faq[faq[0]]
            hits = [FaqHit(entry, faq[1], entry.questions[0])]
        return self.manager.respond("s1", text, Understanding(prediction, hits))

    @property
    def state(self) -> SessionState:
        state = self.store.load("s1")
        assert state is not None
        return state


def filled(reply: BotResponse) -> dict[str, object]:
    return {slot: fill["value"] for slot, fill in reply.data.get(SLOTS_FILLED, {}).items()}


@pytest.fixture(scope="module")
def tool_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    settings = Settings(data_dir=tmp_path_factory.mktemp("form-answers"), device="cpu")
    prepare_credit_risk_model(settings)  # what `teller serve` does first
    return settings


@pytest.fixture
def chat(tool_settings, default_kb, encoder) -> Chat:
    return Chat(tool_settings, default_kb, encoder)


def loan_at_purpose(chat: Chat) -> None:
    chat.say(*LOAN_START)
    assert chat.state.requested_slot == "purpose"


def test_a_new_kitchen_guessed_as_restart_is_the_loan_purpose(chat: Chat) -> None:
    loan_at_purpose(chat)
    reply = chat.say("a new kitchen", "restart", 0.58)
    assert reply.action == "form_ask" and reply.text == "How old are you?"
    assert reply.intent is None and reply.intent_ranking == []
    assert filled(reply) == {"purpose": "repairs"}
    assert chat.state.slots == {"amount": 9000, "duration_months": 36, "purpose": "repairs"}
    reply = chat.say("I'm 34", "age_limit", 0.88)  # the form goes on, nothing out of scope
    assert reply.action == "form_ask" and filled(reply) == {"age": 34}
    assert chat.state.requested_slot == "employment_years"


@pytest.mark.parametrize(("answer", "guess", "purpose"), [
    ("doing up the bathroom", ("restart", 0.91), "repairs"),
    ("it's to pay for my daughter's wedding, thanks!", ("thanks", 0.83), "other"),
    ("I'm 19, it's for college", ("age_limit", 0.77), "education"),
    ("our honeymoon in Crete", ("out_of_scope", 0.0), "other"),
    ("Second-hand motorbike", ("greet", 0.1), "used_car"),
])
def test_answers_that_look_like_other_intents_never_wipe_the_form(
        chat: Chat, answer: str, guess: tuple[str, float], purpose: str) -> None:
    loan_at_purpose(chat)
    intent, confidence = guess
    reply = chat.say(answer, intent, confidence, out_of_scope=intent == "out_of_scope")
    assert reply.form == "loan_application" and reply.action == "form_ask"
    assert reply.intent is None and not reply.out_of_scope
    assert chat.state.active_form == "loan_application"
    assert chat.state.slots["purpose"] == purpose


def test_a_paraphrased_choice_is_said_back(chat: Chat) -> None:
    loan_at_purpose(chat)
    reply = chat.say("setting up my own company")
    assert filled(reply) == {"purpose": "business"}
    assert reply.text == "Got it: setting up my own company, so 'a business'.\n\n" \
                         "How old are you?"
    fill = reply.data[SLOTS_FILLED]["purpose"]
    assert fill["display"] == "A business" and 0.4 < fill["similarity"] <= 1
    assert fill["by_meaning"] in ["A business", "business", "my company", "start-up", "startup",
                                  "self-employed work"]


def test_for_when_i_stop_working_is_a_retirement_goal(chat: Chat) -> None:
    """Retirement is a long-term growth goal in the default KB (its synonyms)."""
    chat.say(*PORTFOLIO_START)
    chat.say("I'm 52")
    reply = chat.say("about 13 years")
    assert "What matters most" in reply.text
    reply = chat.say("for when I stop working", "goodbye", 0.61)
    assert filled(reply) == {"goal": "growth"}
    assert reply.data[SLOTS_FILLED]["goal"]["by_meaning"] in ("for my retirement",
                                                              "when I retire", "retirement")
    assert reply.text.startswith(
        "Got it: for when I stop working, so 'grow my money over the long term'.\n\n")
    assert chat.state.requested_slot == "reaction_to_drop"


def test_my_job_is_pretty_safe_answers_the_income_question_not_the_goal(chat: Chat) -> None:
    chat.say(*PORTFOLIO_START)
    for answer in ["47", "for 20 years", "I'd like it to grow", "sit tight and wait"]:
        chat.say(answer)
    assert chat.state.requested_slot == "income_stability"
    assert chat.state.slots["goal"] == "growth"
    reply = chat.say("my job is pretty safe", "card_not_working", 0.4)
    assert reply.action == "tool_result" and reply.intent is None
    assert filled(reply) == {"income_stability": "stable"}  # the goal was left alone
    assert reply.data["tool"] == "portfolio"


@pytest.mark.parametrize(("answer", "income"), [
    ("its steddy, i work for the goverment", "stable"),
    ("iregular, i freelanse", "unstable"),
])
def test_a_misspelt_choice_is_the_choice(chat: Chat, answer: str, income: str) -> None:
    chat.say(*PORTFOLIO_START)
    for given in ["41", "about 12 yeras", "a bit of both groth and safty", "probly sell sum"]:
        chat.say(given)
    assert chat.state.slots["goal"] == "balanced"  # "groth and safty": growth and safety
    assert chat.state.requested_slot == "income_stability"
    reply = chat.say(answer, "card_not_working", 0.3)
    assert reply.action == "tool_result" and filled(reply) == {"income_stability": income}


def test_a_short_word_one_letter_from_a_choice_is_not_repaired() -> None:
    """"rant" is no "rent": words under TYPO_MIN_LETTERS letters are left as written."""
    from bot.dialogue.choices import TYPO_MIN_LETTERS, with_typos_repaired
    from bot.kb import FormSlot, SlotChoice
    slot = FormSlot(name="housing", type="choice", ask="Do you rent or own?", choices=[
        SlotChoice(value="rent", title="I rent"), SlotChoice(value="own", title="I own it")])
    assert TYPO_MIN_LETTERS == 5
    assert with_typos_repaired(slot, "I rant") == "I rant"


@pytest.mark.parametrize(("confidence", "answer"), [
    (0.42, "faq:invest-fees"),  # a weak guess yields to the FAQ entry that matches well
    (0.93, "faq:exchange-charge"),  # a sure reading stands
])
def test_a_side_question_read_weakly_is_answered_from_the_faq_entry_it_matches(
        chat: Chat, confidence: float, answer: str) -> None:
    chat.say(*PORTFOLIO_START)
    chat.say("39")
    reply = chat.say("Sorry, one question. How much is the commission every year for this?",
                     "exchange_charge", confidence, faq=("invest-fees", 0.70))
    assert reply.response_id == answer
    assert reply.text.endswith("To carry on with the model portfolio: "
                               "For how many years do you plan to keep this money invested?")
    assert chat.state.requested_slot == "horizon_years" and "horizon_years" not in chat.state.slots


def test_a_side_question_is_still_answered_then_the_question_asked_again(chat: Chat) -> None:
    loan_at_purpose(chat)
    reply = chat.say("how do I freeze my card?", "lost_or_stolen_card", 0.95)
    assert reply.action == "answer_intent" and reply.intent is not None
    assert reply.text.endswith("To carry on with the personal loan check: What is the loan for?")
    reply = chat.say("new washing machine")
    assert filled(reply) == {"purpose": "appliances"} and reply.text == "How old are you?"


def test_at_any_time_in_a_question_is_no_number_of_years(chat: Chat) -> None:
    """"any" once read as "an" + "y", a year: the question filled the horizon instead of
    being answered."""
    chat.say(*PORTFOLIO_START)
    chat.say("46")
    reply = chat.say("Before I answer further, can I take the money out at any time, or is "
                     "it blocked for years?", "pin_blocked", 0.3, faq=("invest-withdraw", 0.74))
    assert reply.response_id == "faq:invest-withdraw"
    assert "horizon_years" not in chat.state.slots
    assert reply.text.endswith("For how many years do you plan to keep this money invested?")
    reply = chat.say("twenty-five years")
    assert filled(reply) == {"horizon_years": 25}


def test_an_answer_in_other_words_is_the_catch_all_purpose_at_once(chat: Chat) -> None:
    """No purpose matches "getting the old piano restored" and nothing else reads the
    message: it is 'something else' (the slot's `fallback_choice`), said back for the
    customer to correct, and the loan check goes on without asking again."""
    loan_at_purpose(chat)
    reply = chat.say("getting the old piano restored")
    assert reply.action == "form_ask" and reply.text == (
        "Got it: getting the old piano restored, so 'something else'.\n\nHow old are you?")
    assert chat.state.slots["purpose"] == "other"
    assert reply.data[SLOTS_FILLED]["purpose"]["in_other_words"] is True


@pytest.mark.parametrize("answer", ["hmm, let me think", "not sure yet", "why do you ask?"])
def test_no_answer_yet_is_never_the_catch_all_purpose(chat: Chat, answer: str) -> None:
    loan_at_purpose(chat)
    chat.say(answer)
    chat.say(answer)
    assert "purpose" not in chat.state.slots


def test_a_weak_restart_guess_for_a_non_answer_asks_again(chat: Chat) -> None:
    loan_at_purpose(chat)
    reply = chat.say("hmm, let me think", "restart", 0.64)
    assert reply.action == "form_invalid" and reply.intent is None
    assert reply.text == "Sorry, I didn't catch that. What is the loan for?"
    assert chat.state.slots["amount"] == 9000


@pytest.mark.parametrize(("message", "guess"), [
    ("start over", ("restart", 0.97)),
    ("can we just start again please", ("restart", 0.66)),  # explicit words, unsure model
    ("wipe it all", ("restart", 0.85)),  # a confident model
])
def test_an_explicit_restart_ends_the_form(chat: Chat, message: str,
                                           guess: tuple[str, float]) -> None:
    loan_at_purpose(chat)
    reply = chat.say(message, *guess)
    assert reply.action == "restart" and reply.intent is not None
    assert chat.state.active_form is None and chat.state.slots == {}


def test_cancel_ends_the_form(chat: Chat) -> None:
    loan_at_purpose(chat)
    reply = chat.say("Cancel that please", "restart", 0.4)
    assert reply.action == "form_cancel" and reply.intent is None
    assert chat.state.active_form is None and chat.state.slots == {}


@pytest.mark.parametrize("message", [
    "Actually, scrap that, I'll save up for it instead.",
    "forget it, I'll ask my husband first",
])
def test_what_the_customer_will_do_instead_is_no_request(chat: Chat, message: str) -> None:
    """The rest reads as a savings question (0.9) but only says what the customer will do:
    the form stops and nothing else is answered."""
    loan_at_purpose(chat)
    chat.manager.understand = lambda texts: [
        Understanding(IntentPrediction([IntentScore("savings_account", 0.9)]), [])
        for _ in texts]
    reply = chat.say(message, "savings_account", 0.9)
    assert reply.action == "form_cancel" and chat.state.active_form is None


def test_an_answer_read_as_a_request_for_a_person_is_an_answer(chat: Chat) -> None:
    """"civil servant" near "staff": the model's handoff guess (0.9) for the income question's
    answer neither hands over nor ends the form; words that ask for a person do."""
    chat.say(*PORTFOLIO_START)
    for answer in ["47", "for 20 years", "I'd like it to grow", "sit tight and wait"]:
        chat.say(answer)
    reply = chat.say("civil servant, so about as secure as it gets", "human_handoff", 0.9)
    assert reply.action == "tool_result" and reply.data["tool"] == "portfolio"
    chat.say(*PORTFOLIO_START)
    reply = chat.say("can I talk to a person about this instead", "human_handoff", 0.9)
    assert reply.action == "handoff" and chat.state.active_form is None


@pytest.mark.parametrize("message", [
    "no no stop, I don't have time for all these questions",
    "ok just stop please",
    "this is too many questions, forget it",
])
def test_a_customer_who_has_had_enough_leaves_the_form(chat: Chat, message: str) -> None:
    loan_at_purpose(chat)
    reply = chat.say(message, "card_not_working", 0.3)
    assert reply.action == "form_cancel"
    assert chat.state.active_form is None and chat.state.slots == {}


@pytest.mark.parametrize("message", [
    "nah nvm dont need it",
    "On reflection I think I shall leave the loan for the time being.",
    "Sorry, forget about credit now, it is not so important",
    "I don't need the loan any more",
    "Excuse me, I stop this loan. Please cancel.",  # the cancel word last, not first
])
def test_leaving_words_end_the_form_before_the_rest_is_read_as_an_answer(
        chat: Chat, message: str) -> None:
    """The words that name the task or the questions leave the form even when the rest of
    the message could pass for the purpose asked ("not so important" is no 'something
    else')."""
    loan_at_purpose(chat)
    reply = chat.say(message, "card_not_working", 0.3)
    assert reply.action == "form_cancel" or reply.text.startswith("OK, I've stopped")
    assert chat.state.active_form is None and chat.state.slots == {}


def test_what_is_left_after_leaving_is_answered_unless_it_only_says_why(
        chat: Chat) -> None:
    """"This is ridiculous, so many questions. Forget it." says why the customer leaves; "forget
    the loan, how do I close my account?" also asks something, answered after saying so."""
    loan_at_purpose(chat)
    chat.manager.understand = lambda texts: [
        Understanding(IntentPrediction([IntentScore("why_verify_identity", 0.6)]), [])
        for _ in texts]
    reply = chat.say("This is ridiculous, so many questions. Forget it.", "restart", 0.4)
    assert reply.action == "form_cancel" and chat.state.active_form is None
    loan_at_purpose(chat)
    chat.manager.understand = lambda texts: [
        Understanding(IntentPrediction([IntentScore("terminate_account", 0.95)]), [])
        for _ in texts]
    reply = chat.say("forget the loan, how do I close my account?", "restart", 0.4)
    assert reply.response_id == "faq:terminate-account"
    assert reply.text.startswith("OK, I've stopped the personal loan check.")


@pytest.mark.parametrize("message", [
    "no no stop, I don't have time for all these questions",
    "stop, I haven't got time for this",
    "Stop please, I do not want to continue with the credit.",
])
def test_having_no_time_for_the_questions_only_says_why(chat: Chat, message: str) -> None:
    """The rest of the message reads as a request for help (0.9) but only says why the
    customer leaves: the form stops, no menu follows."""
    loan_at_purpose(chat)
    chat.manager.understand = lambda texts: [
        Understanding(IntentPrediction([IntentScore("help", 0.9)]), []) for _ in texts]
    reply = chat.say(message, "help", 0.9)
    assert reply.action == "form_cancel" and chat.state.active_form is None
    assert reply.response_id != "utter_help"


def test_a_correction_given_with_the_last_answer_completes_the_form(chat: Chat) -> None:
    """The housing corrected while the savings (the last question) are answered: the
    decision comes, with the corrected housing; saying what was corrected once crashed on
    the slots the completed form had cleared."""
    loan_at_purpose(chat)
    for answer in ["a new sofa", "33", "4 years", "I rent"]:
        chat.say(answer)
    assert chat.state.requested_slot == "savings"
    reply = chat.say("Sorry, I made an error, I do not rent, I live in the house of my "
                     "parents, and savings about 2000", "card_arrival", 0.3)
    assert reply.action == "tool_result"
    assert reply.text.startswith("Got it: housing 'I live rent-free'.")
    assert reply.data["application"]["housing"] == "free"
    assert reply.data["application"]["savings"] != "none"  # about 2000 was read


def test_a_secondhand_one_is_the_purpose_not_one_year_with_the_employer(chat: Chat) -> None:
    loan_at_purpose(chat)
    chat.say("a brand new car")
    assert chat.state.requested_slot == "age"
    reply = chat.say("wait nah not new, its a secondhand one, used car innit", "greet", 0.2)
    assert chat.state.slots["purpose"] == "used_car"
    assert "employment_years" not in chat.state.slots
    assert reply.text.endswith("How old are you?")


@pytest.mark.parametrize(("answer", "years"), [
    ("I am retired, so I have no employer", -1), ("I have been retired these ten years", -1),
    ("unemployed for 2 years", -1), ("8 years at the same firm", 8),
])
def test_no_employer_is_no_number_of_years_with_one(chat: Chat, answer: str, years: int) -> None:
    loan_at_purpose(chat)
    for given in ["a new sofa", "33"]:
        chat.say(given)
    assert chat.state.requested_slot == "employment_years"
    chat.say(answer, "greet", 0.1)
    assert chat.state.slots["employment_years"] == years


@pytest.mark.parametrize(("answer", "housing"), [
    ("live w my mum n dad", "free"), ("I rent from my parents", "rent"),
    ("we own it, my parents helped with the deposit", "own"),
    ("The cottage is mine, fully paid for", "own"),
    ("my parents paid for it, I live there for free", "free"),
])
def test_housing_in_the_customers_words(chat: Chat, answer: str, housing: str) -> None:
    loan_at_purpose(chat)
    for given in ["a new sofa", "33", "4 years"]:
        chat.say(given)
    assert chat.state.requested_slot == "housing"
    chat.say(answer, "greet", 0.1)
    assert chat.state.slots["housing"] == housing


def portfolio_at_drop_reaction(chat: Chat) -> None:
    chat.say(*PORTFOLIO_START)
    for answer in ["47", "for 20 years", "I'd like it to grow"]:
        chat.say(answer)
    assert chat.state.requested_slot == "reaction_to_drop"


def test_leave_it_alone_is_holding_on_not_leaving_the_form(chat: Chat) -> None:
    portfolio_at_drop_reaction(chat)
    reply = chat.say("I'd just leave it alone", "restart", 0.45)
    assert reply.action == "form_ask"
    assert filled(reply) == {"reaction_to_drop": "hold"}
    assert chat.state.requested_slot == "income_stability"


def test_a_long_question_holding_a_choice_word_is_a_question(chat: Chat) -> None:
    """"Hold on" opens the question; it is no "Hold on and wait"."""
    portfolio_at_drop_reaction(chat)
    reply = chat.say("Hold on - if the bank went under, would my investments be covered "
                     "the way a savings account is?", "cash_withdrawal_charge", 0.2,
                     faq=("invest-risk", 0.74))
    assert reply.action == "answer_faq" and reply.response_id == "faq:invest-risk"
    assert "reaction_to_drop" not in chat.state.slots
    assert reply.text.endswith("If your investments fell 20% in a year, what would you do?")


def test_a_question_in_the_middle_of_a_message_is_a_question(chat: Chat) -> None:
    """It ends in a full stop, but it asks: answered, and the purpose asked again (it was
    taken for 'something else' by meaning)."""
    loan_at_purpose(chat)
    reply = chat.say("Before we continue, will you be consulting the credit bureau about me? "
                     "I have never borrowed in my life.", "credit_score", 0.3,
                     faq=("credit-score", 0.72))
    assert reply.response_id == "faq:credit-score"
    assert "purpose" not in chat.state.slots
    assert reply.text.endswith("What is the loan for?")
    reply = chat.say("a new hearing aid and some dental work")
    assert chat.state.slots["purpose"] == "other"


def test_the_one_question_of_a_longer_message_is_read_on_its_own(chat: Chat) -> None:
    """Read whole, "Sorry, I think better I get credit card, not loan. You have credit card?"
    is unsure and, with the loan's subject, near the mortgage entry; its question alone is
    plainly about credit cards: answered. "not loan" says the customer wants it instead of
    the loan, so the loan check stops (a plain side question keeps it: the test above)."""
    loan_at_purpose(chat)
    mortgage = chat.manager.kb.faq["mortgage-enquiry"]
    with_the_loan = Understanding(IntentPrediction([IntentScore("mortgage_enquiry", 0.6)]),
                                  [FaqHit(mortgage, 0.7, mortgage.questions[0])])
    alone = {"You have credit card?": Understanding(
        IntentPrediction([IntentScore("credit_card_enquiry", 0.99)]), [])}
    chat.manager.understand = lambda texts: [alone.get(t, with_the_loan) for t in texts]
    reply = chat.say("Sorry, I think better I get credit card, not loan. You have credit card?",
                     "credit_card_enquiry", 0.4, faq=("mortgage-enquiry", 0.7))
    assert reply.response_id == "faq:credit-card-enquiry"
    assert reply.text.startswith("OK, I've stopped the personal loan check.\n\n")
    assert chat.state.active_form is None


def test_a_choice_taken_back_is_not_the_answer(chat: Chat) -> None:
    """"ignore what I said about renting ... we own it now" corrects the housing to own."""
    loan_at_purpose(chat)
    for answer in ["a new sofa", "33", "4 years", "I rent"]:
        chat.say(answer)
    assert chat.state.slots["housing"] == "rent"
    assert chat.state.requested_slot == "savings"
    reply = chat.say("Oh sorry, ignore what I said about renting, we bought the place last "
                     "year so we own it now", "card_arrival", 0.3)
    assert chat.state.slots["housing"] == "own"
    assert reply.text.startswith("Got it: housing 'I own my home'.")
    assert chat.state.requested_slot == "savings"


def test_a_second_answer_in_the_same_message_is_kept(chat: Chat) -> None:
    """"9 years in same company, own flat" answers the employer and the housing question."""
    loan_at_purpose(chat)
    chat.say("a new car")
    chat.say("41")
    assert chat.state.requested_slot == "employment_years"
    chat.say("9 years in same company, own flat, home loan is running")
    assert chat.state.slots["employment_years"] == 9
    assert chat.state.slots["housing"] == "own"
    assert chat.state.requested_slot == "savings"


def test_why_this_answer_shows_the_filled_slot(chat: Chat) -> None:
    loan_at_purpose(chat)
    reply = chat.say("thanks, for a new kitchen", "thanks", 0.72)
    why = explanation_html(reply)
    assert "thanks" not in why
    assert "Read as an answer to the form's question" in why
    assert "Filled <b>purpose</b>: Home repairs or improvements" in why
    assert "Tool output" not in why


def test_form_answers_are_not_counted_as_intents_on_the_dashboard(
        tool_settings, default_kb, encoder, tmp_path: Path) -> None:
    store = SqlSessionStore(f"sqlite:///{tmp_path / 'teller.db'}")
    chat = Chat(tool_settings, default_kb, encoder, store)
    chat.say(*LOAN_START)
    for message, guess in [("for my kitchen", ("thanks", 0.7)), ("I'm 29", ("age_limit", 0.9)),
                           ("3 years", ("thanks", 0.5)), ("renting", ("greet", 0.3)),
                           ("nothing really", ("deny", 0.8))]:
        reply = chat.say(message, *guess)
    assert reply.action == "tool_result"
    assert dashboard(store.engine).top_intents == [("loan_enquiry", 1)]
    store.engine.dispose()


@pytest.mark.parametrize("answer", ["car", "a car loan", "I want to buy a car", "vehicle"])
def test_a_car_is_asked_about_new_or_used(chat: Chat, answer: str) -> None:
    """An answer that fits several choices without naming one is asked about with those
    choices only, and counts as no miss."""
    loan_at_purpose(chat)
    reply = chat.say(answer, "greet", 0.2)
    assert reply.action == "form_ask" and reply.form == "loan_application"
    assert reply.text == "Which one: 'A new car' or 'A used car'?"
    assert [b.title for b in reply.buttons] == ["A new car", "A used car"]
    assert chat.state.requested_slot == "purpose" and chat.state.form_attempts == 0
    reply = chat.say(reply.buttons[1].payload, "greet", 0.1)
    assert chat.state.slots["purpose"] == "used_car"
    assert reply.text.endswith("How old are you?")


def test_the_same_unclear_answer_again_is_not_asked_about_again(chat: Chat) -> None:
    loan_at_purpose(chat)
    assert chat.say("buy car", "greet", 0.2).text.startswith("Which one:")
    reply = chat.say("buy car", "greet", 0.2)
    assert not reply.text.startswith("Which one:")


def test_selling_is_asked_about_all_or_some(chat: Chat) -> None:
    """"wouldn't sell" names holding on: its "sell" does not make holding a candidate."""
    portfolio_at_drop_reaction(chat)
    reply = chat.say("I'd sell", "greet", 0.2)
    assert [b.title for b in reply.buttons] == ["Sell everything", "Sell some of it"]
    assert chat.state.requested_slot == "reaction_to_drop"


def test_narrowing_needs_a_short_answer_that_fits_several_but_not_all_choices(
        default_kb) -> None:
    from bot.dialogue.choices import narrowed_choices

    purpose = next(s for s in default_kb.forms["loan_application"].slots
                   if s.name == "purpose")
    assert narrowed_choices(purpose, "car") == ["new_car", "used_car"]
    assert narrowed_choices(purpose, "a car loan", task="Personal loan check") == [
        "new_car", "used_car"]
    assert narrowed_choices(purpose, "a car loan") == []  # "loan" is in "business loan" only
    assert narrowed_choices(purpose, "used car") == []  # one choice: named, not narrowed
    assert narrowed_choices(purpose, "is a car ok?") == []  # a question
    assert narrowed_choices(purpose, "we need a bigger car for the kids and the dog") == []
    assert narrowed_choices(purpose, "please") == []  # filler only
    assert narrowed_choices(purpose, "a new card") == []  # a word no choice uses: not this


def test_a_message_that_answers_another_forms_questions_starts_that_form(chat: Chat) -> None:
    """"I want 10000 over 4 years for my business" read unsurely as portfolio advice: it
    answers three of the loan check's questions and one of the portfolio's, so the loan
    check starts; a sure reading is kept."""
    ranking = [IntentScore("portfolio_recommendation", 0.45), IntentScore("loan_enquiry", 0.25)]
    text = "I want 10000 over 4 years for my business"
    reply = chat.manager.respond("s1", text, Understanding(IntentPrediction(ranking), []))
    assert reply.form == "loan_application"
    assert filled(reply) == {"amount": 10000, "duration_months": 48, "purpose": "business"}
    sure = [IntentScore("portfolio_recommendation", 0.9), IntentScore("loan_enquiry", 0.05)]
    reply = chat.manager.respond("s2", text, Understanding(IntentPrediction(sure), []))
    assert reply.form == "portfolio_advice"
