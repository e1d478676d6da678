"""One language's components, built from the settings: intent model, FAQ index, forms and
dialogue over a knowledge base (the main one or a locale's view of it), and the multilingual
encoder every locale shares. `bot.pipeline.Assistant` serves them.
"""

from __future__ import annotations

import threading
import weakref
from dataclasses import dataclass
from pathlib import Path

from bot.config import Settings
from bot.device import encoder_threads
from bot.dialogue.forms import FormController
from bot.dialogue.manager import DialogueManager
from bot.dialogue.policy import PolicyConfig, RulePolicy
from bot.dialogue.refinements import FaqRefinements
from bot.dialogue.store import SessionStore
from bot.files import read_manifest
from bot.kb import KnowledgeBase, load_knowledge_base
from bot.nlu.encoder import SentenceEncoder
from bot.nlu.multilingual import ENCODER_ID as MULTILINGUAL_ENCODER_ID
from bot.nlu.paraphrase import EmbeddingPhraseMatcher
from bot.nlu.recognizer import IntentRecognizer, load_recognizer, model_serves
from bot.retrieval.faq_index import FaqIndex


@dataclass
class Components:
    kb: KnowledgeBase
    encoder: SentenceEncoder
    classifier: IntentRecognizer
    faq_index: FaqIndex
    dialogue: DialogueManager


def policy_config(settings: Settings) -> PolicyConfig:
    return PolicyConfig(
        intent_threshold=settings.intent_threshold,
        faq_threshold=settings.faq_threshold,
        passage_threshold=settings.passage_threshold,
        clarify_min_confidence=settings.clarify_min_confidence,
        fallbacks_before_human=settings.fallbacks_before_human,
    )


def rule_policy(settings: Settings, kb: KnowledgeBase,
                classifier: IntentRecognizer) -> RulePolicy:
    """The dialogue policy over `kb`, with the FAQ entries that refine an intent as
    `classifier` reads them (`bot.dialogue.refinements`)."""
    return RulePolicy(kb, policy_config(settings), refinements_of(kb, classifier))


def refinements_of(kb: KnowledgeBase, classifier: IntentRecognizer) -> FaqRefinements:
    return FaqRefinements(kb, lambda texts: classifier.predict_many(texts, top_k=1),
                          model=classifier.identity)


def build_components(
    settings: Settings, kb: KnowledgeBase | None = None, encoder: SentenceEncoder | None = None,
    store: SessionStore | None = None,
) -> Components:
    """The main language's components (`build_locales` builds the others')."""
    kb = kb or load_knowledge_base(settings.kb_dir, settings.bank_name)
    encoder = encoder or SentenceEncoder.from_settings(settings)
    if store is None:
        from bot.storage.sessions import SqlSessionStore

        store = SqlSessionStore(settings.resolved_database_url,
                                run_migrations=settings.auto_migrate)
    return language_components(settings, kb, encoder, store)


def language_components(settings: Settings, kb: KnowledgeBase, encoder: SentenceEncoder,
                        store: SessionStore) -> Components:
    """One language's intent model, FAQ index and dialogue over `kb` (the main KB or a
    locale's view of it); every language shares the session `store`."""
    classifier = load_recognizer(settings.model_dir, encoder, settings.device,
                                 onnx_threads=encoder_threads(side_by_side=True))
    if settings.out_of_scope_threshold is not None:
        classifier.scope.threshold_override = settings.out_of_scope_threshold
    faq_index = FaqIndex(settings.index_dir, kb, encoder, settings.device)
    dialogue = DialogueManager(kb, rule_policy(settings, kb, classifier), store,
                               forms=build_forms(settings, kb, encoder),
                               review_below=settings.review_below_confidence,
                               document_support=faq_index.supporting)
    return Components(kb, encoder, classifier, faq_index, dialogue)


_shared_encoders: weakref.WeakValueDictionary[tuple[str, str], SentenceEncoder] = (
    weakref.WeakValueDictionary())
_shared_encoders_lock = threading.Lock()


def multilingual_encoder(settings: Settings) -> SentenceEncoder:
    """The encoder of every locale (built by `teller train` / the first start), one per
    folder and device in a process while any assistant uses it: at about 0.5 GB with its
    ONNX graph, an assistant rebuilt on a knowledge-base reload, or a second one in the same
    process, reuses it."""
    key = (str(Path(settings.multilingual_encoder_dir).resolve()), settings.device)
    with _shared_encoders_lock:
        encoder = _shared_encoders.get(key)
        if encoder is None:
            encoder = SentenceEncoder(key[0], settings.device,
                                      identity=MULTILINGUAL_ENCODER_ID)
            _shared_encoders[key] = encoder
        return encoder


def build_locales(settings: Settings, kb: KnowledgeBase, store: SessionStore,
                  encoder: SentenceEncoder | None = None) -> dict[str, Components]:
    """The components of each locale whose intent model is there, over one shared
    multilingual encoder. A locale without one yet (the first start trains it in the
    background) is left out: `Assistant.serve_ready_locales` adds it once trained."""
    ready = [code for code in sorted(kb.locales) if locale_is_ready(settings, kb, code)]
    if not ready:
        return {}
    encoder = encoder or multilingual_encoder(settings)
    return {code: language_components(settings.for_locale(code), kb.locales[code], encoder,
                                      store) for code in ready}


def locale_is_ready(settings: Settings, kb: KnowledgeBase, code: str) -> bool:
    """Whether locale `code` of `kb` has the multilingual encoder and an intent model that
    can answer for it (a stale one serves while the current one trains)."""
    return (read_manifest(settings.multilingual_encoder_dir) is not None
            and model_serves(settings.for_locale(code).model_dir, kb.locales[code].intents,
                             MULTILINGUAL_ENCODER_ID))


def build_forms(settings: Settings, kb: KnowledgeBase,
                encoder: SentenceEncoder | None = None) -> FormController:
    """Forms and tools: rasa-sdk actions run in-process (models load on first use). With
    the `encoder`, a choice answered in the customer's own words is matched by meaning."""
    from bot.actions.forms import required_slots_domain
    from bot.actions.runner import ActionRunner, build_executor

    matcher = EmbeddingPhraseMatcher(encoder) if encoder is not None else None
    runner = ActionRunner(build_executor(settings, kb, matcher), settings.tool_timeout_seconds,
                          domain=required_slots_domain(kb.forms))
    return FormController(kb, runner)
