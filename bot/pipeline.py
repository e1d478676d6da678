"""The message path, wired: guard -> NLU -> retrieval -> dialogue -> response -> storage.

`Assistant` owns one instance of each component. Heavy parts (encoder, intent model, FAISS
index) load lazily in `warm_up()`. The runtime never trains: the application builds the models
first (`training.prepare.prepare_models`), then serves them through `bot.runtime`.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import wait as wait_for
from dataclasses import dataclass, replace
from functools import partial
from typing import TYPE_CHECKING, TypeVar

import numpy as np

from bot.batching import MicroBatcher
from bot.components import (
    Components,
    build_components,
    build_forms,
    build_locales,
    language_components,
    locale_is_ready,
    multilingual_encoder,
    refinements_of,
    rule_policy,
)
from bot.config import Settings
from bot.device import encoder_threads, limit_blas_threads
from bot.dialogue.manager import DialogueManager
from bot.dialogue.policy import Understanding, payload_understanding
from bot.dialogue.store import InMemorySessionStore, SessionStore
from bot.errors import ConfigurationError, TellerError
from bot.guard import check_session_id, clean_message
from bot.kb import KnowledgeBase, load_knowledge_base
from bot.language_choice import LanguageChoice
from bot.messages import say, speaking
from bot.nlu.encoder import SentenceEncoder
from bot.nlu.language import (
    warm_up_detector,
)
from bot.nlu.recognizer import IntentRecognizer, load_recognizer, model_files_identity
from bot.nlu.segments import message_parts, without_leading_join
from bot.response import BotResponse
from bot.retrieval.faq_index import FaqHit, FaqIndex
from bot.retrieval.passages import PassageHit

if TYPE_CHECKING:
    from bot.kb.sync import SharedKnowledgeBase

log = logging.getLogger(__name__)

First = TypeVar("First")
Second = TypeVar("Second")
FoundFaq = list[tuple[list[FaqHit], list[PassageHit]]]


def _retrieve(parts: Components, repaired: list[str]) -> tuple[FoundFaq, np.ndarray | None]:
    """FAQ retrieval's pass over the messages, then the intent model's neighbour vote over
    the vectors that pass has just put in the encoder's cache (`bot.nlu.neighbours`): on the
    retrieval thread, beside the intent model's own pass."""
    return (parts.faq_index.search_all(repaired),
            parts.classifier.closest_examples(repaired))


@dataclass(frozen=True)
class ModelReadiness:
    model: bool
    index: bool
    model_kind: str | None = None


class Assistant(LanguageChoice):
    """One message in, one typed reply out. Thread-safe; share one per process."""

    def __init__(self, components: Components, settings: Settings,
                 locales: dict[str, Components] | None = None) -> None:
        """`components` serve the KB's main language, `locales` each other language of the
        KB (`build_locales`); a message goes to its language's (`language_of`)."""
        self.components = components
        self.locales = dict(locales or {})
        self.settings = settings
        self.max_message_chars = settings.max_message_chars
        self._ready = False
        self._lock = threading.Lock()
        self._model_fingerprints: dict[str, tuple[str, int, int] | None] = {}
        self._phrases: tuple[int, dict[str, frozenset[str]]] | None = None
        # Set by the runtime when replicas share a database: admin edits go through it.
        self.shared_kb: SharedKnowledgeBase | None = None
        # Messages from concurrent requests are understood together (see bot.batching), on
        # one model thread per language.
        self._nlu: dict[str, MicroBatcher[str, Understanding]] = {
            language: MicroBatcher(
                partial(self.understand_many, with_parts=True, language=language),
                settings.nlu_max_batch, f"teller-nlu-{language}")
            for language in self.languages}
        # FAQ retrieval's encoder pass runs here while the intent model's runs on the caller's
        # thread (`_side_by_side`); a thread per language's model thread.
        self._retrieval = ThreadPoolExecutor(max(2, len(self.languages)),
                                             thread_name_prefix="teller-retrieval")
        # The dialogue manager reads the parts of a message and follow-ups in context.
        for language, language_parts in self.by_language().items():
            language_parts.dialogue.understand = partial(self.understand_many,
                                                         language=language)

    @classmethod
    def from_settings(
        cls, settings: Settings, *, in_memory: bool = False, kb: KnowledgeBase | None = None,
        encoder: SentenceEncoder | None = None,
    ) -> Assistant:
        store = InMemorySessionStore() if in_memory else None
        components = build_components(settings, kb=kb, encoder=encoder, store=store)
        locales = build_locales(settings, components.kb, components.dialogue.store)
        return cls(components, settings, locales)

    @property
    def kb(self) -> KnowledgeBase:
        return self.components.kb

    @property
    def store(self) -> SessionStore:
        return self.components.dialogue.store

    @property
    def classifier(self) -> IntentRecognizer:
        return self.components.classifier

    @property
    def encoder(self) -> SentenceEncoder:
        return self.components.encoder

    @property
    def faq_index(self) -> FaqIndex:
        return self.components.faq_index

    def readiness(self) -> ModelReadiness:
        """Which models are loaded and serving (the database is the runtime's to check)."""
        every = self.by_language().values()
        return ModelReadiness(model=self._ready and all(c.classifier.loaded for c in every),
                              index=self._ready and all(c.faq_index.loaded for c in every),
                              model_kind=self.classifier.kind if self.classifier.loaded
                              else None)

    def warm_up(self) -> None:
        if self._ready:
            return
        with self._lock:
            if self._ready:
                return
            limit_blas_threads()
            self.components.encoder.warm_up()
            self.components.encoder.use_onnx(
                self.settings.sentence_onnx_dir,
                encoder_threads(side_by_side=self.settings.intent_model == "finetuned"))
            for language, parts in self.by_language().items():
                self._warm_up_language(language, parts, locale=language in self.locales)
            warm_up_detector([*self.languages, *self.pending_languages])
            self._ready = True

    def _warm_up_language(self, language: str, parts: Components, *, locale: bool) -> None:
        parts.encoder.warm_up()
        if locale:  # a locale's embedding-head model shares this encoder's single pass
            parts.encoder.use_onnx(self.settings.multilingual_onnx_dir,
                                   encoder_threads(side_by_side=False))
        parts.classifier.warm_up()
        parts.faq_index.warm_up()
        parts.dialogue.policy.warm_up()
        self._model_fingerprints[language] = self._read_fingerprint(language)

    def serve_ready_locales(self) -> list[str]:
        """Start answering in the KB's locales whose intent model has appeared since the
        start (trained in the background), through the same swap as a knowledge-base edit.
        Returns their codes."""
        ready = [code for code in self.pending_languages
                 if locale_is_ready(self.settings, self.kb, code)]
        if ready:
            self.reload_knowledge_base(self.kb)
            log.info("now answering in %s too", ", ".join(ready))
        return ready

    def settings_for(self, language: str) -> Settings:
        return self.settings.for_locale(language) if language in self.locales else self.settings

    def _read_fingerprint(self, language: str) -> tuple[str, int, int] | None:
        return model_files_identity(self.settings_for(language).model_dir)

    def reload_model_if_changed(self) -> bool:
        """Load a newer intent model folder (of any language), warm it up, then swap it in;
        requests in flight finish on the old one. Returns True when one swapped. A model
        that does not fit the knowledge base (an intent it lacks) is refused and the current
        one kept."""
        swapped = False
        for language in self.languages:
            swapped = self._reload_model(language) or swapped
        return swapped

    def _reload_model(self, language: str) -> bool:
        fingerprint = self._read_fingerprint(language)
        if fingerprint is None or fingerprint == self._model_fingerprints.get(language):
            return False
        settings = self.settings_for(language)
        candidate = load_recognizer(settings.model_dir, self.components_for(language).encoder,
                                    settings.device,
                                    onnx_threads=encoder_threads(side_by_side=True))
        if settings.out_of_scope_threshold is not None:
            candidate.scope.threshold_override = settings.out_of_scope_threshold
        candidate.warm_up()
        unknown = sorted(set(candidate.labels) - set(self.kb.intents))
        self._model_fingerprints[language] = fingerprint
        if unknown:
            unknown = self._load_kb_for(unknown)
        if unknown:
            log.error("new intent model ignored: intents %s are not in the knowledge base", unknown)
            return False
        parts = self.components_for(language)
        refinements = refinements_of(parts.kb, candidate)
        refinements.parents()  # computed before the swap, not on the next message
        parts.dialogue.policy.refinements = refinements
        parts.classifier = candidate
        log.info("intent model reloaded from %s", settings.model_dir)
        return True

    def _load_kb_for(self, intents: list[str]) -> list[str]:
        """A retrained model may know intents added to the KB folder since it was loaded
        (`teller ingest --faq`): serve that KB first if it has them. Returns those still
        missing."""
        try:
            kb = load_knowledge_base(self.settings.kb_dir, self.settings.bank_name)
            missing = sorted(set(intents) - set(kb.intents))
            if not missing:
                self.reload_knowledge_base(kb)
            return missing
        except TellerError:
            log.exception("could not load the knowledge base the new intent model needs")
            return intents

    def reload_knowledge_base(self, kb: KnowledgeBase | None = None) -> None:
        """Serve an edited knowledge base: rebuild the FAQ indexes whose entries changed,
        then swap the KB, indexes and dialogue rules of every language in one step (requests
        in flight finish on the old ones). Intent examples take effect with the next trained
        model; a locale added to the KB is answered in once it has a model (`teller
        train`)."""
        settings = self.settings
        kb = kb or load_knowledge_base(settings.kb_dir, settings.bank_name)
        unknown = sorted(set(self.components.classifier.labels) - set(kb.intents))
        if unknown:
            raise ConfigurationError(
                f"the current intent model knows intents the edited KB lacks: {unknown}; "
                "keep those intents until the model is retrained")
        main = self._rebuilt(settings, kb, self.components)
        shared_encoder = next((c.encoder for c in self.locales.values()), None)
        locales = {}
        for code, view in kb.locales.items():
            old = self.locales.get(code)
            if old is None:
                if not locale_is_ready(settings, kb, code):
                    log.warning("locale '%s' has no intent model yet: its messages are told "
                                "so until it has one (`teller train`)", code)
                    continue
                shared_encoder = shared_encoder or multilingual_encoder(settings)
                old = language_components(settings.for_locale(code), view, shared_encoder,
                                          self.store)
                self._warm_up_language(code, old, locale=True)
            locales[code] = self._rebuilt(settings.for_locale(code), view, old)
        for code, parts in locales.items():
            if code not in self._nlu:
                self._nlu[code] = MicroBatcher(
                    partial(self.understand_many, with_parts=True, language=code),
                    settings.nlu_max_batch, f"teller-nlu-{code}")
            parts.dialogue.understand = partial(self.understand_many, language=code)
        self.components, self.locales = main, locales
        warm_up_detector([*self.languages, *self.pending_languages])
        log.info("knowledge base reloaded from %s", settings.kb_dir)

    @staticmethod
    def _rebuilt(settings: Settings, kb: KnowledgeBase, old: Components) -> Components:
        faq_index = FaqIndex(settings.index_dir, kb, old.encoder, settings.device)
        faq_index.ensure_built()
        faq_index.warm_up()
        dialogue = DialogueManager(kb, rule_policy(settings, kb, old.classifier),
                                   old.dialogue.store,
                                   forms=build_forms(settings, kb, old.encoder),
                                   review_below=old.dialogue.review_below,
                                   understand=old.dialogue.understand,
                                   document_support=faq_index.supporting)
        if old.classifier.loaded:
            dialogue.policy.warm_up()
        return Components(kb, old.encoder, old.classifier, faq_index, dialogue)

    @property
    def ready(self) -> bool:
        return self._ready

    @staticmethod
    def new_session_id() -> str:
        return uuid.uuid4().hex

    def handle(
        self, message: object, session_id: str | None = None, owner: str | None = None,
        create: bool = True, locale: str | None = None,
    ) -> BotResponse:
        """Validate, understand, decide, reply, store. Bad input raises before any state change.

        `owner` (an API key id or a channel name) must own the session; an unknown session
        id is created for it unless `create` is false (then SessionNotFound). `locale`: the
        language the channel says the customer writes in, if it knows (`language_of`)."""
        started = time.perf_counter()
        session_id = check_session_id(session_id) if session_id else self.new_session_id()
        text = clean_message(message, self.max_message_chars)
        self.warm_up()
        language = self.language_of(text, session_id, locale)
        if language not in self._nlu:  # a locale whose model is still training
            return self._language_pending(session_id, text, language, started, owner, create)
        understood = self._nlu[language].submit(text)
        return self.components_for(language).dialogue.respond(
            session_id, text, understood, started, owner=owner, create=create)

    def _language_pending(self, session_id: str, text: str, language: str, started: float,
                          owner: str | None, create: bool) -> BotResponse:
        """The reply, in its language, to a message in a locale whose model is not there
        yet: say so rather than misread it with another language's model. Stored like any
        turn (the session's checks and history)."""
        with speaking(self.kb.locales[language].messages):
            reply = BotResponse(session_id=session_id, text=say("language.preparing"),
                                action="fallback")
        return self.components.dialogue.record(session_id, text, reply, language, started,
                                               owner=owner, create=create)

    def understand(self, text: str, language: str | None = None) -> Understanding:
        return self.understand_many([text], language=language)[0]

    def understand_many(self, texts: list[str], with_parts: bool = False,
                        language: str | None = None) -> list[Understanding]:
        """Button payloads resolve directly; the other messages get their typos repaired and
        go through the intent model and the FAQ index together, one encoder pass each. With
        `with_parts`, a message of several parts (greeting + request, two requests) has its
        parts understood in the same pass (see `Understanding.parts`). `language`: whose
        models read them (the main language's by default)."""
        parts_of = self.components_for(language) if language else self.components
        results = [payload_understanding(parts_of.kb, text) for text in texts]
        pending = [i for i, result in enumerate(results) if result is None]
        if pending:
            batch = [texts[i] for i in pending]
            owners = list(range(len(pending)))
            if with_parts:
                for position, i in enumerate(pending):
                    for part in message_parts(texts[i]):
                        batch.append(part)
                        owners.append(position)
            classifier = parts_of.classifier
            repaired = [classifier.correct(without_leading_join(text))  # once per text
                        for text in batch]
            reading, (found, closest) = self._side_by_side(
                partial(classifier.read_many, repaired),
                partial(_retrieve, parts_of, repaired),
                parallel=classifier.encodes_separately)
            predictions = classifier.predictions(reading, closest)
            readings = [Understanding(p, faq, passages=tuple(passages))
                        for p, (faq, passages) in zip(predictions, found, strict=True)]
            for position, i in enumerate(pending):
                parts = tuple((batch[k], readings[k]) for k in range(len(pending), len(batch))
                              if owners[k] == position)
                results[i] = replace(readings[position], parts=parts)
        return [result for result in results if result is not None]

    def _side_by_side(self, first: Callable[[], First], second: Callable[[], Second], *,
                      parallel: bool) -> tuple[First, Second]:
        """`first()` here and, when `parallel`, `second()` on a retrieval thread at the same
        time: the intent model's and FAQ retrieval's encoders each take one of the cores
        (`bot.device.encoder_threads`), and ONNX Runtime and FAISS release the GIL. Not
        parallel when both read the same encoder's vector (an embedding-head model): the
        second then finds it in the encoder's cache."""
        if not parallel:
            return first(), second()
        pending = self._retrieval.submit(second)
        try:
            done = first()
        finally:
            wait_for([pending])  # never leave retrieval running behind an error
        return done, pending.result()
