"""A bank's own files -> a working assistant: how well does it answer?

Starts a fresh knowledge base (`teller init`), imports every file of
`benchmarks/documents/files/` (a help-centre page, a fee schedule PDF, terms as DOCX, a CSV of
FAQs, a Markdown guide, a Rasa project and a Dialogflow ES export, all written for this
project) with --publish, trains the intent model, then asks the questions of
`benchmarks/documents/questions.yaml` one per session. A question is right when the reply
states the expected fact and cites the right document (and page). Unrelated questions must
not be answered from the documents. The Rasa project's test stories and the Dialogflow
agent's held-out wordings are scored by the intent Teller recognises.

    python benchmarks/documents.py [--intent-model embedding-head|finetuned]
        [--passage-threshold 0.6] [--lexical-weight 0] [--json] [--out report.json]
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DOCUMENTS = ROOT / "benchmarks" / "documents"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--files", type=Path, default=DOCUMENTS / "files")
    parser.add_argument("--questions", type=Path, default=DOCUMENTS / "questions.yaml")
    parser.add_argument("--intent-model", default="embedding-head",
                        help="embedding-head (what a first start serves) or finetuned")
    parser.add_argument("--passage-threshold", type=float, default=None)
    parser.add_argument("--lexical-weight", type=float, default=None)
    parser.add_argument("--keep", type=Path, default=None,
                        help="build the KB and models here (kept) instead of a temp folder")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()

    import yaml

    from bot.config import Settings
    from bot.kb import load_knowledge_base
    from bot.kb.importers import import_paths
    from bot.kb.importers.base import teller_intent_name as intent_name
    from bot.kb.importers.rasa import read_rasa_test_stories
    from bot.kb.starter import init_knowledge_base
    from bot.nlu.encoder import SentenceEncoder
    from bot.pipeline import Assistant
    from bot.retrieval import passages
    from training.documents_eval import (
        IntentCase,
        ask_questions,
        intent_accuracy,
        load_questions,
        render_text,
    )
    from training.prepare import prepare_models

    logging.basicConfig(level=logging.WARNING)
    if args.lexical_weight is not None:
        passages.LEXICAL_WEIGHT = args.lexical_weight
    questions = load_questions(args.questions)
    sources = sorted(p for p in args.files.iterdir()
                     if not p.name.startswith(".") and p.name != "dialogflow_agent")
    overrides: dict[str, object] = {}
    if args.passage_threshold is not None:
        overrides["passage_threshold"] = args.passage_threshold
    encoder = SentenceEncoder.from_settings(Settings(device="cpu"))
    timing: dict[str, float] = {}

    def assistant_over(work: Path, paths: list[Path]) -> Assistant:
        """A fresh `teller init` KB with `paths` imported and published, models trained."""
        kb_dir = work / "kb"
        started = time.perf_counter()
        init_knowledge_base(kb_dir, "Brightwater Bank")
        report, _ = import_paths(kb_dir, paths, True, None, lambda: load_knowledge_base(kb_dir))
        timing.setdefault("import", round(time.perf_counter() - started, 1))
        if len(paths) > 1:
            print(report.render(), file=sys.stderr)
        settings = Settings(kb_dir=kb_dir, data_dir=work / "data", device="cpu",
                            intent_model=args.intent_model, **overrides)  # type: ignore[arg-type]
        kb = load_knowledge_base(kb_dir)
        started = time.perf_counter()
        prepare_models(settings, kb, encoder, show_progress=False)
        timing.setdefault("train", round(time.perf_counter() - started, 1))
        print(f"{len(kb.faq)} FAQ entries, {len(kb.passages)} passages, {len(kb.intents)} "
              f"intents; models ready", file=sys.stderr)
        assistant = Assistant.from_settings(settings, in_memory=True, kb=kb, encoder=encoder)
        assistant.warm_up()
        return assistant

    rasa_folder = args.files / "rasa_project"
    rasa_cases = [IntentCase(step.text, intent_name(step.intent), story.name)
                  for story in read_rasa_test_stories(rasa_folder) for step in story.steps]
    heldout = args.files / "dialogflow_agent" / "heldout.yaml"
    wordings = yaml.safe_load(heldout.read_text(encoding="utf-8")) or {}
    dialogflow_cases = [IntentCase(text, _dialogflow_name(name), name)
                        for name, texts in wordings.items() for text in texts]
    with tempfile.TemporaryDirectory(prefix="teller-documents-") as tmp:
        work = args.keep or Path(tmp)
        assistant = assistant_over(work / "everything", sources)
        result = ask_questions(assistant, questions)
        result.rasa = intent_accuracy(assistant, rasa_cases)
        result.dialogflow = intent_accuracy(assistant, dialogflow_cases)
        # Each bot alone, as a bank moving from it would import it.
        alone = assistant_over(work / "rasa", [rasa_folder])
        result.rasa["alone"] = intent_accuracy(alone, rasa_cases)
        alone = assistant_over(work / "dialogflow", [args.files / "dialogflow_agent.zip"])
        result.dialogflow["alone"] = intent_accuracy(alone, dialogflow_cases)
    figures = result.to_dict()
    figures["seconds"] = timing
    if args.out is not None:
        args.out.write_text(json.dumps(figures, indent=2), encoding="utf-8")
    print(json.dumps(figures, indent=2) if args.json else render_text(result))
    return 0


def _dialogflow_name(name: str) -> str:
    from bot.kb.importers.base import teller_intent_name as intent_name

    return "greet" if name == "Default Welcome Intent" else intent_name(name)


if __name__ == "__main__":
    raise SystemExit(main())
