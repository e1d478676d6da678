"""Which language's models read and answer a message (`LanguageChoice.language_of`): the
channel's locale, else the message's own language among the KB's, else the session's.
A part of `bot.pipeline.Assistant`, kept apart so that the pipeline module stays short.
"""

from __future__ import annotations

from bot.components import Components
from bot.nlu.language import detect_language, matching_language, short_phrases


class LanguageChoice:
    # Provided by Assistant.
    components: Components
    locales: dict[str, Components]
    _phrases: tuple[int, dict[str, frozenset[str]]] | None

    @property
    def languages(self) -> list[str]:
        """The KB's main language first, then its locales."""
        return [self.components.kb.language, *sorted(self.locales)]

    @property
    def pending_languages(self) -> list[str]:
        """The KB's locales whose intent model is not there yet (the first start trains
        them in the background; `serve_ready_locales` adds them)."""
        return [code for code in sorted(self.components.kb.locales) if code not in self.locales]

    def by_language(self) -> dict[str, Components]:
        return {self.components.kb.language: self.components, **self.locales}

    def components_for(self, language: str) -> Components:
        return self.locales.get(language, self.components)

    def language_of(self, text: str, session_id: str, locale: str | None = None) -> str:
        """The language to understand and answer `text` in: the locale the channel gives
        for this message or the session, else the message's own (`detect_language`), with
        the session's last language for messages too short to tell."""
        languages = [*self.languages, *self.pending_languages]
        if len(languages) == 1:
            return languages[0]
        chosen = matching_language(locale, languages)
        if chosen:
            return chosen
        info = self.components.dialogue.store.info(session_id)
        chosen = matching_language(info.locale if info else None, languages)
        if chosen:
            return chosen
        def session_language() -> str | None:  # read only when the message does not tell
            state = self.components.dialogue.store.load(session_id)
            return state.language if state else None

        return detect_language(text, languages, session_language, self._short_phrases())

    def _short_phrases(self) -> dict[str, frozenset[str]]:
        """Each language's short examples ("hola", "gracias"), for `detect_language`;
        recomputed when a knowledge base is swapped in."""
        kb = self.components.kb
        cached = self._phrases
        if cached is None or cached[0] != id(kb):
            views = {kb.language: kb, **kb.locales}
            cached = (id(kb), {language: short_phrases(example for intent in view.intents.values()
                                                       for example in intent.examples)
                               for language, view in views.items()})
            self._phrases = cached
        return cached[1]

