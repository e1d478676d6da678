"""The bank's content: FAQ entries, intents with examples, responses (plain YAML files).

`DEFAULT_KB_DIR` is the embedded default knowledge base for the fictional Lumen Bank.
"""

from pathlib import Path

DEFAULT_KB_DIR = Path(__file__).resolve().parent / "default"
