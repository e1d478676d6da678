"""Custom actions for the Brightwater Bank Rasa assistant (fictional bank).

action_check_balance needs the customer's accounts, so its answer cannot be carried over as
static text: it calls the bank's core-banking API from the action server.
"""

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher


class ActionCheckBalance(Action):
    def name(self) -> str:
        return "action_check_balance"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        account_type = tracker.get_slot("account_type") or "current account"
        # A real deployment looks the balance up for the authenticated customer here.
        dispatcher.utter_message(
            text=f"To show your {account_type} balance I need you to log in to the "
            "Brightwater app: your balances are on the Accounts screen."
        )
        return []
