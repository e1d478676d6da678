"""What each kind of profile fact answers, described in plain words.

The simulated customer compares the bot's question with these descriptions by meaning (the
sentence encoder), so a question it has never seen ("What sum do you need?") still finds the
amount. They describe the customer's side of the conversation and deliberately do not
repeat the knowledge base's question texts; a conversation may add its own (`about:`).
"""

from __future__ import annotations

from typing import Final

FACT_TOPICS: Final[dict[str, tuple[str, ...]]] = {
    "amount": (
        "how much money do you want to borrow",
        "the size of the loan you need",
        "what sum are you asking for",
    ),
    "duration": (
        "over what period will you pay the loan back",
        "how many months or years to repay",
        "the length of the repayment term",
        "what loan term would suit you",
    ),
    "purpose": (
        "what do you need the money for",
        "the reason for borrowing",
        "what will you spend the loan on",
    ),
    "age": (
        "what is your age",
        "how many years old are you",
        "your date of birth",
    ),
    "employment": (
        "how many years have you worked at your job",
        "how long have you been employed by your company",
        "your time in your present job or whether you are unemployed",
    ),
    "housing": (
        "are you a homeowner or a tenant",
        "do you pay rent, have a mortgage, or live with family",
        "your living situation and accommodation",
    ),
    "savings": (
        "how much money do you have saved",
        "the amount in your savings account",
        "your savings and money put aside",
        "have you got any money put by",
    ),
    "horizon": (
        "how many years will the money stay invested",
        "when will you need this money back from the investment",
        "your investment time frame",
    ),
    "investment_goal": (
        "what is most important to you for this money",
        "your main aim for the investment: safety, income or growth",
        "what do you want your money to do",
        "what are you hoping to achieve by investing",
    ),
    "drop_reaction": (
        "what would you do if your investments lost value",
        "how would you react to a market fall",
        "if the portfolio dropped a lot, would you sell or hold",
    ),
    "income_stability": (
        "how secure is your job and your salary",
        "how steady and reliable are your earnings",
        "is your income regular or does it vary",
    ),
}
