"""What the bot says for system turns when the KB has no response with these ids (English).

A KB may override each by writing a response with the id; a locale must give every one of
them (`bot.kb.locales`), since the built-in text is English.
"""

from __future__ import annotations

DEFAULT_SYSTEM_TEXT = {
    "utter_fallback": "Sorry, I didn't understand that. Could you rephrase your question?",
    "utter_out_of_scope": "Sorry, I can only help with questions about {bank_name}.",
    "utter_clarify": "Did you mean one of these?",
    "utter_offer_human": "I'm having trouble understanding. Would you like to talk to a person?",
    "utter_restart": "Let's start over. How can I help?",
    "utter_human_handoff": "I'll pass you to a member of our team.",
    "utter_offer_declined": "No problem. Is there anything else I can help with?",
    "utter_which_first": "I can help with both. Which would you like to do first?",
    "utter_ack_greet": "Hello!",
    "utter_ack_thanks": "You're welcome.",
    "utter_ack_affirm": "Great.",
    "utter_form_not_sure": "I'm not sure which question you mean. Is it one of these?",
    # Said before an answer a locale has no text for (the KB's main language is used).
    "utter_answer_in_main_language": "This answer is only available in English:",
}
