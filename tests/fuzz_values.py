"""Hypothesis strategies for hostile input, shared by the fuzz tests of the HTTP API
(`tests/api/test_fuzz.py`) and of the Rasa action server
(`tests/actions/test_action_server_fuzz.py`)."""

from __future__ import annotations

from hypothesis import strategies as st

HUGE_INTS = st.sampled_from([2**31 - 1, 2**31, 2**32, 2**63 - 1, 2**63, 2**64, -(2**63) - 1,
                             10**40, -(10**40), 10**300])
ODD_FLOATS = st.sampled_from([1e30, -1e30, 1e308, -1e308, 1e-320, 0.0, -0.0, 0.5, 1.0])
NUMBER_TEXTS = st.sampled_from(["NaN", "nan", "inf", "-Infinity", "1e400", "0x10", "1_000",
                                "abc", "", " ", "٥٠٠٠", "１２３", "5k", "-1", "1e30", "null",
                                "true", "9" * 400])
UNICODE = st.text(st.characters(blacklist_categories=["Cs"]), max_size=80)
SCALARS = (st.none() | st.booleans() | st.integers() | HUGE_INTS | ODD_FLOATS
           | st.floats(allow_nan=False, allow_infinity=False) | NUMBER_TEXTS | UNICODE)
JSON_VALUES = st.recursive(
    SCALARS,
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=12,
)
# Literal JSON texts that Python's parser reads as numbers JSON cannot carry (spliced into a
# request body as raw text).
NON_FINITE_LITERALS = st.sampled_from(["NaN", "Infinity", "-Infinity", "1e400", "-1e999"])
HOSTILE_NUMBERS = NON_FINITE_LITERALS | st.sampled_from(
    ["9" * 5000, "-" + "9" * 4400, "1" + "0" * 40])
