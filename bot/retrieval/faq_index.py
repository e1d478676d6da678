"""FAISS indexes over the FAQ's question variants and answers, and over the sentences and
table rows of imported document passages (`bot.retrieval.passages`), persisted together
with a manifest.

Vectors are unit length, so the inner product is the cosine similarity. The indexes are
rebuilt when the FAQ or passage content or the encoder changes (`FaqIndex.ensure_built`),
and moved to the GPU when faiss has GPU support and a GPU is present. A message is encoded
once and searched in both.
"""

from __future__ import annotations

import json
import logging
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import numpy as np

from bot.errors import DamagedFile, ModelNotReady
from bot.files import (
    MANIFEST,
    atomic_folder,
    library_versions,
    load_manifest,
    read_manifest,
    reading,
    sha256_of,
    write_json,
)
from bot.kb import FaqEntry, KnowledgeBase
from bot.nlu.encoder import SentenceEncoder
from bot.retrieval.answer_types import AnswerType, stated, wanted
from bot.retrieval.passages import (
    ANSWER_TYPE_CONFIDENCE,
    PassageHit,
    PassageRanker,
    PassageUnit,
    backs,
    split_units,
    units_of,
)

log = logging.getLogger(__name__)

INDEX_FILE = "faq.faiss"
ROWS_FILE = "rows.json"
PASSAGES_FILE = "passages.faiss"
UNITS_FILE = "passage_units.json"
FILES = (INDEX_FILE, ROWS_FILE, PASSAGES_FILE, UNITS_FILE)
FORMAT = "faq-flat-ip-v2"
# The index is derived from the KB: a damaged one is rebuilt, nothing is lost.
INDEX_FIX = ("restart Teller or run `teller train`: the FAQ index is rebuilt from the "
             "knowledge base")


@dataclass(frozen=True)
class IndexedText:
    """One vector's origin: which FAQ entry, and whether it is a question or the answer."""

    faq_id: str
    field: Literal["question", "answer"]
    text: str


@dataclass(frozen=True)
class FaqHit:
    entry: FaqEntry
    score: float
    matched: str


def texts_to_index(kb: KnowledgeBase) -> list[IndexedText]:
    rows: list[IndexedText] = []
    for entry in kb.faq.values():
        rows.extend(IndexedText(entry.id, "question", q) for q in entry.questions)
        rows.append(IndexedText(entry.id, "answer", entry.answer))
    return rows


def content_key(kb: KnowledgeBase) -> str:
    """What the indexes are built from: a change rebuilds them."""
    return KnowledgeBase.hash_content([kb.faq_hash, kb.passages_hash])


def faiss_gpu_available() -> bool:
    import faiss

    return hasattr(faiss, "StandardGpuResources") and faiss.get_num_gpus() > 0


class FaqIndex:
    """Search the FAQ; `search` returns distinct entries, best first, with cosine scores."""

    # Answers are long and match loosely; a small discount keeps question matches first.
    ANSWER_WEIGHT = 0.95

    def __init__(
        self, folder: Path, kb: KnowledgeBase, encoder: SentenceEncoder,
        device: Literal["auto", "cpu", "cuda"] = "auto",
    ) -> None:
        self.folder = Path(folder)
        self.kb = kb
        self.encoder = encoder
        self.device = device
        self._index: Any = None
        self._rows: list[IndexedText] = []
        self._passages: Any = None
        self._ranker: PassageRanker | None = None
        self._gpu_resources: Any = None
        self._lock = threading.Lock()
        self._support: dict[str, list[PassageHit]] = {}
        # Whether any content was imported from a document: only then do questions' answer
        # types (`bot.retrieval.answer_types`) weigh in.
        self._imported = bool(kb.passages) or any(e.source for e in kb.faq.values())

    # -- building -------------------------------------------------------------------------

    def is_current(self) -> bool:
        manifest = read_manifest(self.folder)
        return bool(
            manifest
            and manifest.get("format") == FORMAT
            and manifest.get("kb_content") == content_key(self.kb)
            and manifest.get("encoder") == self.encoder.identity
            and all((self.folder / name).is_file() for name in FILES)
        )

    def build(self, show_progress: bool = False) -> None:
        import faiss

        rows = texts_to_index(self.kb)
        units = units_of(self.kb)
        if not rows and not units:
            log.warning("the knowledge base has no FAQ entries or passages: the index is "
                        "empty, answers come from intents only")
        texts = [r.text for r in rows]
        texts += [u.embedded_text(self.kb.passages[u.passage_id]) for u in units]
        dimension = self.encoder.dimension
        vectors = (self.encoder.encode(texts, show_progress_bar=show_progress) if texts
                   else np.zeros((0, dimension), dtype="float32"))
        faq_index, passage_index = faiss.IndexFlatIP(dimension), faiss.IndexFlatIP(dimension)
        faq_index.add(vectors[:len(rows)])
        passage_index.add(vectors[len(rows):])
        with atomic_folder(self.folder) as tmp:
            faiss.write_index(faq_index, str(tmp / INDEX_FILE))
            faiss.write_index(passage_index, str(tmp / PASSAGES_FILE))
            write_json(tmp / ROWS_FILE, [r.__dict__ for r in rows])
            write_json(tmp / UNITS_FILE, [u.__dict__ for u in units])
            write_json(
                tmp / MANIFEST,
                {
                    "format": FORMAT,
                    "encoder": self.encoder.identity,
                    "dimension": int(dimension),
                    "kb_content": content_key(self.kb),
                    "entries": len(self.kb.faq),
                    "vectors": len(rows),
                    "passages": len(self.kb.passages),
                    "passage_units": len(units),
                    # Checked when loading: FAISS reads overwritten vectors without a word.
                    "sha256": {name: sha256_of(tmp / name) for name in FILES},
                    "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
                    "versions": library_versions(),
                },
            )
        log.info("built the index: %d vectors for %d FAQ entries, %d for %d passages",
                 len(rows), len(self.kb.faq), len(units), len(self.kb.passages))

    def ensure_built(self, show_progress: bool = False) -> bool:
        """Build the index if it is missing, stale or damaged (the log says which file and
        why). Returns True when it (re)built."""
        damage = self.damage()
        if damage is not None:
            log.warning("FAQ index file %s is damaged (%s); rebuilding the index from the "
                        "knowledge base (it is derived from it: nothing is lost)",
                        damage.path, damage.problem)
        elif self.is_current():
            return False
        self.build(show_progress=show_progress)
        return True

    def damage(self) -> DamagedFile | None:
        """The first file of a built index that is not as `build` wrote it, or None (also
        for no index at all). Reads the whole index: a few MB, milliseconds."""
        try:
            self._read()
        except DamagedFile as damage:
            return damage
        except ModelNotReady:  # none built, or stale: not damage
            return None
        return None

    def _read(self) -> tuple[Any, list[IndexedText], Any, list[PassageUnit]]:
        """The indexes and their rows from disk, each file checked against the checksum its
        manifest recorded."""
        import faiss

        manifest = load_manifest(self.folder, INDEX_FIX)
        if manifest is None or manifest.get("format") != FORMAT:
            raise ModelNotReady(f"no FAQ index in {self.folder}; run `teller train`")
        checksums = manifest.get("sha256") or {}
        for name in FILES:
            path = self.folder / name
            with reading(path, INDEX_FIX):
                if name in checksums and sha256_of(path) != checksums[name]:
                    raise DamagedFile(path, "its checksum differs from the one recorded "
                                      "when it was built", INDEX_FIX)
        indexes = []
        for name in (INDEX_FILE, PASSAGES_FILE):
            with reading(self.folder / name, INDEX_FIX):
                indexes.append(faiss.read_index(str(self.folder / name)))
        with reading(self.folder / ROWS_FILE, INDEX_FIX):
            rows = [IndexedText(**row) for row in
                    json.loads((self.folder / ROWS_FILE).read_text(encoding="utf-8"))]
        with reading(self.folder / UNITS_FILE, INDEX_FIX):
            units = [PassageUnit(**unit) for unit in
                     json.loads((self.folder / UNITS_FILE).read_text(encoding="utf-8"))]
        for index, count, name in ((indexes[0], len(rows), INDEX_FILE),
                                   (indexes[1], len(units), PASSAGES_FILE)):
            if index.ntotal != count:
                raise DamagedFile(self.folder / name, f"{index.ntotal} vectors for "
                                  f"{count} rows", INDEX_FIX)
        return indexes[0], rows, indexes[1], units

    # -- serving --------------------------------------------------------------------------

    @property
    def loaded(self) -> bool:
        """The index is in memory and answers searches."""
        return self._index is not None

    def warm_up(self) -> None:
        if self._index is not None:
            return
        with self._lock:
            if self._index is not None:
                return
            import faiss

            index, rows, passages, units = self._read()
            if not self.is_current():
                raise ModelNotReady(
                    f"FAQ index in {self.folder} is missing or out of date; run `teller train`"
                )
            if self.device != "cpu" and faiss_gpu_available():
                self._gpu_resources = faiss.StandardGpuResources()
                index = faiss.index_cpu_to_gpu(self._gpu_resources, 0, index)
                passages = faiss.index_cpu_to_gpu(self._gpu_resources, 0, passages)
                log.info("FAQ and passage indexes moved to GPU")
            self.encoder.warm_up()
            self._rows = rows
            self._ranker = PassageRanker(self.kb, units)
            self._passages = passages
            self._index = index

    @property
    def on_gpu(self) -> bool:
        return self._gpu_resources is not None

    def search(self, text: str, top_k: int = 3) -> list[FaqHit]:
        return self.search_many([text], top_k)[0]

    def search_many(self, texts: list[str], top_k: int = 3) -> list[list[FaqHit]]:
        """The best FAQ entries for each message (one encoder pass and one index search)."""
        return [faq for faq, _ in self.search_all(texts, top_k)]

    def search_passages(self, text: str, top_k: int = 3) -> list[PassageHit]:
        return self.search_all([text], top_k)[0][1]

    def search_all(self, texts: list[str], top_k: int = 3
                   ) -> list[tuple[list[FaqHit], list[PassageHit]]]:
        """The best FAQ entries and document passages for each message: one encoder pass,
        one search of each index."""
        self.warm_up()
        if not texts:
            return []
        queries = self.encoder.encode_many(texts)
        wants = [wanted(text) if self._imported else frozenset[AnswerType]() for text in texts]
        faq_hits: list[list[FaqHit]] = [[] for _ in texts]
        if self._rows:
            # Over-fetch: several vectors belong to one entry.
            scores, ids = self._index.search(queries, min(len(self._rows), top_k * 8))
            scores = self.encoder.calibrate(scores)
            faq_hits = [self._typed(question_wants, self._hits(row_scores, row_ids, top_k))
                        for question_wants, row_scores, row_ids in zip(wants, scores, ids,
                                                                       strict=True)]
        passage_hits: list[list[PassageHit]] = [[] for _ in texts]
        ranker = self._ranker
        if ranker is not None and ranker.units:
            scores, ids = self._passages.search(queries, min(len(ranker.units), 48))
            scores = self.encoder.calibrate(scores)
            passage_hits = [ranker.hits(text, question_wants, row_scores, row_ids, top_k)
                            for text, question_wants, row_scores, row_ids
                            in zip(texts, wants, scores, ids, strict=True)]
        return list(zip(faq_hits, passage_hits, strict=True))

    def supporting(self, answer: str, most: int = 2) -> list[PassageHit]:
        """The passages of the bank's documents that state what `answer` (a reply of the
        knowledge base) says, best first, at most `most`: the reply cites them. Each
        distinct answer is looked up once (the KB's replies are few)."""
        self.warm_up()
        ranker = self._ranker
        if ranker is None or not ranker.units:
            return []
        known = self._support.get(answer)
        if known is not None:
            return known
        sentences = split_units(answer)
        found: dict[str, PassageHit] = {}
        if sentences:
            scores, ids = self._passages.search(self.encoder.encode_many(sentences),
                                                min(len(ranker.units), 5))
            scores = self.encoder.calibrate(scores)
            for sentence, row_scores, row_ids in zip(sentences, scores, ids, strict=True):
                for score, index in zip(row_scores, row_ids, strict=True):
                    unit = ranker.units[index] if index >= 0 else None
                    passage = self.kb.passages.get(unit.passage_id) if unit else None
                    if unit is None or passage is None or not backs(sentence, float(score),
                                                                    passage):
                        continue
                    if passage.id not in found or found[passage.id].score < score:
                        found[passage.id] = PassageHit(passage, unit.text, float(score),
                                                       float(score))
                    break
        backing = sorted(found.values(), key=lambda hit: -hit.score)[:most]
        self._support[answer] = backing
        return backing

    @staticmethod
    def _typed(wants: frozenset[AnswerType], hits: list[FaqHit]) -> list[FaqHit]:
        """An entry imported from a document whose answer states the kind of fact the
        question asks for (`wants`) gains what a passage's sentence would
        (`ANSWER_TYPE_CONFIDENCE`): the two are the same kind of evidence, held to the same
        bar."""
        if not wants:
            return hits
        typed = [FaqHit(hit.entry, min(1.0, hit.score + ANSWER_TYPE_CONFIDENCE), hit.matched)
                 if hit.entry.source is not None and wants & stated(hit.entry.answer) else hit
                 for hit in hits]
        return sorted(typed, key=lambda hit: -hit.score)

    def _hits(self, scores: Any, ids: Any, top_k: int) -> list[FaqHit]:
        best: dict[str, FaqHit] = {}
        for score, row_id in zip(scores, ids, strict=True):
            if row_id < 0:
                continue
            row = self._rows[row_id]
            value = float(score) * (self.ANSWER_WEIGHT if row.field == "answer" else 1.0)
            entry = self.kb.faq.get(row.faq_id)
            if entry is None:
                continue
            if row.faq_id not in best or best[row.faq_id].score < value:
                best[row.faq_id] = FaqHit(entry, value, row.text)
        return sorted(best.values(), key=lambda hit: -hit.score)[:top_k]
