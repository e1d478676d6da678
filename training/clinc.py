"""CLINC150 for a bank's out-of-scope detector: which of its intents a bank answers (kept as
banking messages never to decline), which it declines, and which neither.

`clinc_scope_rows` reads CLINC's `data_full.json` (train and val rows only; its test rows are
the benchmark); `clinc_scope_data` gives them to the trainer (`teller train --oos-data`);
`write_scope_csv` regenerates the corpus Teller ships, `knowledge_base/corpora/clinc150/
scope.csv`:

    python -m training.clinc ../shared/data/clinc150/data_full.json \
        knowledge_base/corpora/clinc150/scope.csv
"""

from __future__ import annotations

import csv
import json
import sys
from dataclasses import dataclass
from pathlib import Path

from bot.errors import TrainingDataError
from training.scope import ScopeData

# CLINC150's intents, decided one by one for a bank's assistant (data/clinc150/README.md).
# In scope: what a bank answers. banking and credit_cards whole; from travel, exchange rates
# and travel notices (a bank answers both: they must never teach the detector to refuse
# "what's the rate for sterling" or "I'm off to Thailand next week"); direct deposits;
# the conversational intents the assistant answers itself.
CLINC_IN_SCOPE_DOMAINS = {"banking", "credit_cards"}
CLINC_IN_SCOPE_INTENTS = {
    "exchange_rate", "travel_notification", "direct_deposit",
    "greeting", "goodbye", "thank_you", "are_you_a_bot", "what_can_i_ask_you", "yes", "no",
}
# Out of scope: nothing a bank answers.
CLINC_OUT_OF_SCOPE_DOMAINS = {"travel", "kitchen_and_dining", "home", "auto_and_commute",
                              "utility"}
CLINC_OUT_OF_SCOPE_INTENTS = {
    "meaning_of_life", "fun_fact", "tell_joke", "do_you_have_pets", "what_are_your_hobbies",
    "where_are_you_from", "how_old_are_you",
    "pto_request", "pto_request_status", "pto_balance", "pto_used", "meeting_schedule",
    "schedule_meeting",
    "change_speed", "change_volume", "change_accent", "whisper_mode", "sync_device",
    "change_ai_name", "reset_settings",
}
# Never declined though its domain is (utility): "i need to talk to someone on the phone"
# is how a customer asks for a person.
CLINC_NEITHER_INTENTS = {"make_call"}
# Neither, on purpose: near money but not clearly the bank's (taxes, income, w2, payday,
# rollover_401k, insurance, next_holiday), or words an assistant handles in its dialogue
# (cancel, repeat, maybe, user_name, change_user_name, change_language, who_made_you,
# what_is_your_name, who_do_you_work_for).


@dataclass(frozen=True)
class ClincRow:
    """One CLINC150 message with its intent, split (`train` / `val`) and side (`in` / `out`)."""

    text: str
    intent: str
    split: str
    scope: str


def scope_side(intent: str, domain: str | None) -> str | None:
    """'in' (a bank answers it), 'out' (to decline) or None (neither) for a CLINC intent."""
    if domain in CLINC_IN_SCOPE_DOMAINS or intent in CLINC_IN_SCOPE_INTENTS:
        return "in"  # before the domains: travel's exchange_rate is in scope
    if intent in CLINC_NEITHER_INTENTS:
        return None
    if intent == "oos" or intent in CLINC_OUT_OF_SCOPE_INTENTS:
        return "out"
    if domain in CLINC_OUT_OF_SCOPE_DOMAINS:
        return "out"
    return None


def clinc_scope_rows(path: Path, splits: tuple[str, ...] = ("train", "val")) -> list[ClincRow]:
    """CLINC150's rows of `splits` that are in or out of scope (domains.json beside
    data_full.json); test rows are never read."""
    path = Path(path)
    domains_path = path.with_name("domains.json")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        domains = json.loads(domains_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise TrainingDataError(
            f"{path}: cannot read CLINC150 data_full.json and domains.json beside it ({exc})"
        ) from exc
    domain_of = {intent: domain for domain, intents in domains.items() for intent in intents}
    rows = []
    for split in splits:
        for key in (split, f"oos_{split}"):
            for text, intent in data.get(key, []):
                side = scope_side(intent, domain_of.get(intent))
                if side is not None:
                    rows.append(ClincRow(text, intent, split, side))
    if not any(row.scope == "out" for row in rows) or not any(
            row.scope == "in" and row.split == "val" for row in rows):
        raise TrainingDataError(f"{path}: no usable rows; is this CLINC150's data_full.json?")
    return rows


def clinc_scope_data(path: Path) -> ScopeData:
    """CLINC150's train rows as references, its val rows to choose the threshold."""
    result = ScopeData(sources=[str(Path(path).resolve())])
    for row in clinc_scope_rows(path):
        inside, validation = row.scope == "in", row.split == "val"
        if inside:
            (result.in_scope_val if validation else result.in_scope).append(row.text)
        else:
            (result.out_of_scope_val if validation else result.out_of_scope).append(row.text)
    return result


def write_scope_csv(data_full: Path, destination: Path) -> int:
    """Write the shipped corpus (`text,category,split,scope`) from CLINC's data_full.json;
    returns the number of rows."""
    rows = clinc_scope_rows(data_full)
    with Path(destination).open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["text", "category", "split", "scope"])
        writer.writerows((row.text, row.intent, row.split, row.scope) for row in rows)
    return len(rows)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: python -m training.clinc DATA_FULL_JSON SCOPE_CSV")
    print(f"{write_scope_csv(Path(sys.argv[1]), Path(sys.argv[2]))} rows written")
