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
import time
from collections.abc import Callable, Sequence
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
class BackgroundStep:
    """Training the server leaves for after it answers (`Runtime.train_in_background`)."""

    what: str  # what `/readyz` and the log say while it runs
    run: Callable[[], object]  # writes a model folder; the runtime then serves it


@dataclass(frozen=True)
class Readiness:
    """What `/readyz` reports, part by part."""

    model: bool
    index: bool
    database: bool
    model_kind: str | None = None  # which intent model serves (its manifest's kind)
    training: str | None = None  # what trains in the background, if anything
    languages: tuple[str, ...] = ()  # the languages answered in now
    pending_languages: tuple[str, ...] = ()  # the KB's languages whose models still train

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

    def train_in_background(self, steps: Sequence[BackgroundStep]) -> threading.Thread:
        """Run `steps` in order in one daemon thread while the server answers with the
        current models, serving each one's result as soon as it is written: a newer intent
        model swaps in, a language whose model appeared starts being answered in. A failed
        step is logged and the next runs; the current models keep serving. An interrupted
        fine-tune resumes from its last epoch checkpoint at the next start."""
        steps = list(steps)

        def run() -> None:
            for number, step in enumerate(steps, 1):
                self.training = step.what
                log.info("%s in the background (step %d of %d); answering with the current "
                         "models meanwhile", step.what, number, len(steps))
                started = time.perf_counter()
                try:
                    step.run()
                    self.assistant.reload_model_if_changed()
                    added = self.assistant.serve_ready_locales()
                    log.info("%s: done in %.0f s, the new model serves%s", step.what,
                             time.perf_counter() - started,
                             f" (now answering in {', '.join(added)} too)" if added else "")
                except Exception:
                    log.exception("%s failed; the current models keep serving", step.what)
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
                         training=self.training,
                         languages=tuple(self.assistant.languages),
                         pending_languages=tuple(self.assistant.pending_languages))

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
