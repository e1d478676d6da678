"""Teller runtime. A message's path: guard -> NLU -> retrieval -> dialogue -> response -> storage.

See `bot.pipeline.Assistant` for the wiring.
"""

__version__ = "0.1.0"
