"""The bank's content: FAQ entries, intents with examples, responses (plain YAML files).

`DEFAULT_KB_DIR` is the embedded default knowledge base for the fictional Lumen Bank;
`BUILTIN_CORPORA` are labelled customer messages a KB may train on, and
`BUILTIN_OUT_OF_SCOPE_CORPORA` messages it may learn to decline (see `corpora/`).
"""

from pathlib import Path

DEFAULT_KB_DIR = Path(__file__).resolve().parent / "default"
# What `teller init` starts a new knowledge base with: conversation basics, no bank facts.
STARTER_KB_DIR = Path(__file__).resolve().parent / "starter"
# Training corpora shipped with Teller, by the name a KB's `training_corpora` uses.
CORPORA_DIR = Path(__file__).resolve().parent / "corpora"
BUILTIN_CORPORA = {"banking77": CORPORA_DIR / "banking77" / "train.csv"}
# Messages to decline (and banking ones not to), by the name `out_of_scope_corpora` uses.
BUILTIN_OUT_OF_SCOPE_CORPORA = {"clinc150": CORPORA_DIR / "clinc150" / "scope.csv"}
