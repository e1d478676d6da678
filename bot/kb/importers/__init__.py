"""`teller import`: a bank's own files into its knowledge base.

    base.py        the typed items every reader returns, UnreadableSource, size limit
    html.py        help-centre pages (headings, <details>, <dl>, FAQPage JSON-LD, tables)
    pdf.py         PDF text by section and page, tables as rows (pdfplumber)
    docx.py        Word documents by heading and page break, tables as rows (python-docx)
    markdown.py    Markdown by heading (markdown-it-py)
    table.py       CSV / XLSX question-and-answer sheets
    rasa.py        a Rasa project: intents, examples, responses, simple rules and stories
    dialogflow.py  a Dialogflow ES agent export (zip or folder)
    writer.py      ids, drafts, chunking, validation of the whole KB, the import report

`import_paths` reads every source first (one unreadable source: nothing is written), then
hands the results to the writer.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from pathlib import Path

from bot.kb.importers.base import ReadResult, UnreadableSource, check_size
from bot.kb.importers.writer import ImportReport, import_results
from bot.kb.models import KnowledgeBase

DOCUMENT_SUFFIXES = {".html", ".htm", ".pdf", ".docx", ".md", ".markdown", ".txt", ".csv",
                     ".xlsx", ".zip"}
SUPPORTED = ("web pages (.html), PDF, Word (.docx), Markdown (.md), CSV or Excel (.xlsx) "
             "question-and-answer sheets, a Rasa project folder, a Dialogflow ES export "
             "(.zip or folder)")


def read_file(path: Path) -> ReadResult:
    """One document, by its type."""
    suffix = path.suffix.lower()
    if not path.is_file():
        raise UnreadableSource(str(path), "no such file")
    check_size(path.name, path.stat().st_size)
    if suffix in (".html", ".htm"):
        from bot.kb.importers.html import read_html

        return read_html(path)
    if suffix == ".pdf":
        from bot.kb.importers.pdf import read_pdf

        return read_pdf(path)
    if suffix == ".docx":
        from bot.kb.importers.docx import read_docx

        return read_docx(path)
    if suffix in (".md", ".markdown", ".txt"):
        from bot.kb.importers.markdown import read_markdown

        return read_markdown(path)
    if suffix in (".csv", ".xlsx"):
        from bot.kb.importers.table import read_table

        return read_table(path)
    if suffix == ".zip":
        from bot.kb.importers.dialogflow import is_dialogflow_export, read_dialogflow_agent

        if is_dialogflow_export(path):
            return read_dialogflow_agent(path)
        raise UnreadableSource(path.name, "a zip file that is not a Dialogflow ES export "
                               "(agent.json and intents/); unzip it and import its files")
    if suffix in (".doc", ".xls", ".ppt", ".pptx", ".rtf", ".odt"):
        raise UnreadableSource(path.name, f"{suffix} files cannot be imported; save it as "
                               ".docx, .xlsx or PDF first")
    raise UnreadableSource(path.name, f"unsupported file type '{suffix or path.name}'; Teller "
                           f"imports {SUPPORTED}")


def read_source(path: Path) -> list[ReadResult]:
    """A file, a Rasa or Dialogflow project folder, or a folder of documents (each supported
    file in it, sub-folders included; other files are named in the first result's report)."""
    path = Path(path)
    if not path.exists():
        raise UnreadableSource(str(path), "no such file or folder")
    if path.is_file():
        return [read_file(path)]
    from bot.kb.importers.dialogflow import is_dialogflow_export, read_dialogflow_agent
    from bot.kb.importers.rasa import is_rasa_project, read_rasa_project

    if is_rasa_project(path):
        return [read_rasa_project(path)]
    if is_dialogflow_export(path):
        return [read_dialogflow_agent(path)]
    files = sorted(p for p in path.rglob("*") if p.is_file() and not p.name.startswith("."))
    documents = [p for p in files if p.suffix.lower() in DOCUMENT_SUFFIXES]
    if not documents:
        raise UnreadableSource(str(path), f"no files to import in this folder; Teller imports "
                               f"{SUPPORTED}")
    results = [read_file(p) for p in documents]
    others = [p.name for p in files if p.suffix.lower() not in DOCUMENT_SUFFIXES]
    if others:
        results[0].notes.append(f"not imported from {path.name} (unsupported types): "
                                f"{', '.join(others[:10])}{' ...' if len(others) > 10 else ''}")
    return results


def _digest(path: Path) -> str | None:
    if not path.is_file():
        return None
    return hashlib.sha256(path.read_bytes()).hexdigest()


def read_all(paths: Iterable[Path]) -> list[tuple[ReadResult, str | None]]:
    """Read every source. Raises UnreadableSource listing every source that failed (so one
    run shows every problem), before anything is written."""
    results: list[tuple[ReadResult, str | None]] = []
    failures: list[UnreadableSource] = []
    for path in paths:
        try:
            found = read_source(Path(path))
        except UnreadableSource as exc:
            failures.append(exc)
            continue
        for result in found:
            source = Path(path) if Path(path).is_file() else None
            results.append((result, _digest(source) if source else None))
    empty = [result.source for result, _ in results if result.empty]
    for name in empty:
        failures.append(UnreadableSource(name, "nothing to import was found in it"))
    if failures:
        if len(failures) == 1:
            raise failures[0]
        lines = "\n".join(f"  - {failure}" for failure in failures)
        raise UnreadableSource(f"{len(failures)} sources", f"cannot be imported; nothing was "
                               f"written:\n{lines}")
    names = [result.source for result, _ in results]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise UnreadableSource(", ".join(twice), "two sources have the same name; rename one "
                               "(each source becomes one file of the knowledge base)")
    return results


def import_paths(folder: Path, paths: Iterable[Path], publish: bool, bank_name: str | None,
                 current: Callable[[], KnowledgeBase | None]
                 ) -> tuple[ImportReport, KnowledgeBase | None]:
    """Read `paths` and write them into the KB `folder` (drafts unless `publish`)."""
    return import_results(Path(folder), read_all(paths), publish, bank_name, current)


__all__ = ["ImportReport", "ReadResult", "UnreadableSource", "import_paths", "read_source"]
