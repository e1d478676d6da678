"""The running assistant as one object: `build_runtime(settings)` wires the assistant, the
conversation store, the metrics, the review service and the watchers (a newer intent model;
knowledge-base edits made on other replicas, `bot.kb.sync`), and hands out the channels
every front end goes through.

The application layer (CLI, HTTP app, web pages) builds one `Runtime` per process and never
reaches inside the assistant for its parts. Models must exist first: the application runs
`training.prepare.prepare_models` (the runtime never trains).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property

from bot.channels import Channel
from bot.config import Settings
from bot.dialogue.review import LogExampleStore, ReviewService, Suggestion
from bot.dialogue.store import SessionStore
from bot.kb import KnowledgeBase
from bot.kb.sync import SharedKnowledgeBase
from bot.metrics import Metrics
from bot.nlu.encoder import SentenceEncoder
from bot.pipeline import Assistant
from bot.storage.kb_revisions import KbRevisionStore
from bot.storage.sessions import SqlSessionStore

log = logging.getLogger(__name__)


class Poller:
    """Background thread: every `interval` seconds (0: never), run `check`. A failure is
    logged (once, until a check succeeds again) and never takes the server down."""

    def __init__(self, name: str, interval: float, check: Callable[[], object],
                 failure: str) -> None:
        self.interval = interval
        self.check = check
        self.failure = failure
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def start(self) -> None:
        if self.interval > 0 and not self._thread.is_alive():
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def _run(self) -> None:
        failing = False
        while not self._stop.wait(self.interval):
            try:
                self.check()
                failing = False
            except Exception:
                if not failing:
                    log.exception(self.failure)
                failing = True


class ModelWatcher(Poller):
    """Swaps in a newer intent model, if any."""

    def __init__(self, assistant: Assistant, interval: float) -> None:
        super().__init__("model-watcher", interval, assistant.reload_model_if_changed,
                         "could not load the new intent model; keeping the current one")


class Watchers:
    """The runtime's pollers (the intent model; the shared knowledge base), started and
    stopped together."""

    def __init__(self, *pollers: Poller) -> None:
        self.pollers = pollers

    def start(self) -> None:
        for poller in self.pollers:
            poller.start()

    def stop(self) -> None:
        for poller in self.pollers:
            poller.stop()


def shared_knowledge_base(settings: Settings, assistant: Assistant
                          ) -> SharedKnowledgeBase | None:
    """How this replica's KB folder follows the admin edits in the SQL database; None with
    the in-memory store (nothing to share) or `kb_reload_seconds` 0 (this replica opts out:
    its edits stay its own)."""
    store = assistant.store
    if not isinstance(store, SqlSessionStore) or settings.kb_reload_seconds <= 0:
        return None
    return SharedKnowledgeBase(KbRevisionStore(store.engine), settings.kb_dir, assistant,
                               settings.bank_name)


@dataclass(frozen=True)
class Readiness:
    """What `/readyz` reports, part by part."""

    model: bool
    index: bool
    database: bool
    model_kind: str | None = None  # which intent model serves (its manifest's kind)
    training: str | None = None  # what trains in the background, if anything

    @property
    def ready(self) -> bool:
        return self.model and self.index and self.database


@dataclass
class Runtime:
    settings: Settings
    assistant: Assistant
    metrics: Metrics = field(default_factory=Metrics)

    def __post_init__(self) -> None:
        shared = self.assistant.shared_kb = shared_knowledge_base(self.settings, self.assistant)
        pollers: list[Poller] = [ModelWatcher(self.assistant, self.settings.model_reload_seconds)]
        if shared is not None:
            pollers.append(Poller("kb-watcher", self.settings.kb_reload_seconds,
                                  shared.catch_up, "could not check the database for "
                                  "knowledge-base edits; serving the current one"))
        self.watcher = Watchers(*pollers)
        self._channels: dict[str, Channel] = {}
        self.training: str | None = None

    def train_in_background(self, what: str, job: Callable[[], object]) -> threading.Thread:
        """Run `job` (it writes a new model folder) in a daemon thread while the server
        answers with the current model, then swap the new one in. A failure is logged and
        the current model keeps serving; an interrupted fine-tune resumes from its last
        epoch checkpoint at the next start."""

        def run() -> None:
            self.training = what
            log.info("%s in the background; answering with the current model meanwhile", what)
            try:
                job()
                self.assistant.reload_model_if_changed()
                log.info("%s: done, the new model serves", what)
            except Exception:
                log.exception("%s failed; the current model keeps serving", what)
            finally:
                self.training = None

        thread = threading.Thread(target=run, name="background-training", daemon=True)
        thread.start()
        return thread

    @property
    def store(self) -> SessionStore:
        return self.assistant.store

    @property
    def kb(self) -> KnowledgeBase:
        return self.assistant.kb

    def channel(self, name: str) -> Channel:
        """The channel named `name` (`api`, `rasa-rest`, `web-chat`, `cli`), made once."""
        if name not in self._channels:
            self._channels[name] = Channel(name, self.assistant, self.metrics)
        return self._channels[name]

    @cached_property
    def log_examples(self) -> LogExampleStore | None:
        """The chat-log examples behind the review queue; None without a SQL database."""
        if not isinstance(self.assistant.store, SqlSessionStore):
            return None
        return LogExampleStore(self.settings.resolved_database_url,
                               run_migrations=self.settings.auto_migrate)

    def review_service(self) -> ReviewService | None:
        """The review queue over the knowledge base and intent model serving right now."""
        examples = self.log_examples
        if examples is None:
            return None
        assistant = self.assistant
        classifier = assistant.classifier

        def suggest(texts: list[str]) -> list[list[Suggestion]]:
            return [[Suggestion(s.name, round(s.confidence, 3)) for s in p.ranking]
                    for p in classifier.predict_many(texts, top_k=3)]

        return ReviewService(examples, assistant.kb, suggest, assistant.encoder.encode)

    def readiness(self) -> Readiness:
        parts = self.assistant.readiness()
        return Readiness(model=parts.model, index=parts.index,
                         database=self._database_ready(), model_kind=parts.model_kind,
                         training=self.training)

    def _database_ready(self) -> bool:
        """Reachable, and on SQLite a file whose last `PRAGMA quick_check` (at most a minute
        old: the check reads the whole file) found it whole."""
        store = self.assistant.store
        if not store.ping():
            return False
        return store.intact() if isinstance(store, SqlSessionStore) else True

    def catch_up_knowledge_base(self) -> None:
        """At start: serve the latest admin edit from the shared database (it wins over the
        KB folder). A failure is logged; the polls retry."""
        if self.assistant.shared_kb is None:
            return
        try:
            self.assistant.shared_kb.catch_up()
        except Exception:
            log.exception("could not read the knowledge-base edits in the database; serving "
                          "the KB folder %s until a poll succeeds", self.settings.kb_dir)

    def start(self) -> None:
        """Load the models, then watch for newer ones."""
        self.assistant.warm_up()
        self.watcher.start()

    def stop(self) -> None:
        self.watcher.stop()


def build_runtime(
    settings: Settings, *, in_memory: bool = False, kb: KnowledgeBase | None = None,
    encoder: SentenceEncoder | None = None,
) -> Runtime:
    """Everything one process serves with. `in_memory` keeps conversations in memory (CLI,
    tests); otherwise they go to the SQL database of `settings`."""
    assistant = Assistant.from_settings(settings, in_memory=in_memory, kb=kb, encoder=encoder)
    runtime = Runtime(settings, assistant)
    runtime.catch_up_knowledge_base()
    return runtime
