"""Tools and form validation as Rasa SDK actions.

Teller's dialogue manager runs them in-process through rasa-sdk's own `ActionExecutor`
(`bot.actions.runner`), and `teller actions` serves the same executor as a Rasa action
server on port 5055, so a bank already on Rasa calls exactly the same code.
"""
