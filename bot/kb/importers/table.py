"""Read a spreadsheet of questions and answers (`.csv`, `.xlsx`) into FAQ entries.

Banks keep their FAQ in a spreadsheet more often than anywhere else, with whatever column names
the author chose. Named columns win; otherwise the columns are guessed (the one whose cells end
with "?" holds the questions, the longest of the others the answers) and the guess is put in
`notes`, so a wrong guess shows in the import report instead of as odd answers later.

Also home of `table_lines` and `humanise`, which the HTML and Markdown readers share.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path

from bot.kb.importers.base import (
    Citation,
    ImportedQuestion,
    ReadResult,
    Skipped,
    UnreadableSource,
    check_size,
    clean_text,
)

CSV_SUFFIXES = {".csv", ".tsv"}
EXCEL_SUFFIXES = {".xlsx", ".xlsm"}

# Column names, compared lower-cased with spaces, "_" and "-" collapsed; earlier names win.
QUESTION_NAMES = ("question", "questions", "q", "frage", "fragen", "pregunta", "preguntas",
                  "title", "query")
ANSWER_NAMES = ("answer", "answers", "a", "response", "reply", "antwort", "antworten",
                "respuesta", "respuestas", "text")
SECTION_NAMES = ("category", "categories", "topic", "topics", "section", "kategorie", "thema",
                 "categoria", "categoría", "tema")
ALTERNATIVE_NAMES = ("alternatives", "alternative", "alternative questions", "variants",
                     "variant", "variations", "other questions", "other wordings",
                     "paraphrases", "alternativen", "varianten", "alternativas", "variantes")

_DELIMITERS = ",;\t|"
_ALTERNATIVE_SPLIT = re.compile(r"[|;\n]")
_NAME_SPACES = re.compile(r"[\s_\-]+")
# A question column is one where most filled cells end with a question mark.
_MOSTLY = 0.5


def humanise(stem: str) -> str:
    """'card-fees_2026' -> 'Card fees 2026': a readable document name from a file name."""
    words = " ".join(_NAME_SPACES.sub(" ", stem).split())
    return words[:1].upper() + words[1:] if words else stem


def _one_line(text: str) -> str:
    return " ".join(text.split())


def table_lines(header: Sequence[str], rows: Iterable[Sequence[str]]) -> list[str]:
    """One line per row that reads on its own, so a passage cut anywhere still makes sense:
    two columns -> "Card replacement: €10"; more -> "Card replacement - Fee: €10; Delivery: 5
    days" (the first cell labels the row, the others are "Header: value" pairs)."""
    names = [_one_line(name) for name in header]
    lines: list[str] = []
    for row in rows:
        cells = [_one_line(cell) for cell in row]
        if not any(cells):
            continue
        width = max(len(cells), len(names))
        label, values = cells[0], cells[1:]
        if width <= 2:
            value = values[0] if values else ""
            lines.append(f"{label}: {value}" if label and value else label or value)
            continue
        pairs = []
        for column, value in enumerate(values, start=1):
            if not value:
                continue
            name = names[column] if column < len(names) else ""
            pairs.append(f"{name}: {value}" if name else value)
        joined = "; ".join(pairs)
        lines.append(f"{label} - {joined}" if label and joined else label or joined)
    return lines


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat(" ")
    if isinstance(value, date):
        return value.isoformat()
    return clean_text(str(value))


def _name_key(name: str) -> str:
    return _NAME_SPACES.sub(" ", name.strip().strip(":").lower()).strip()


def _named(header: Sequence[str], names: Sequence[str], taken: set[int]) -> int | None:
    keys = [_name_key(h) for h in header]
    for name in names:
        for index, key in enumerate(keys):
            if key == name and index not in taken:
                return index
    return None


def _ends_with_question_mark(text: str) -> bool:
    return text.rstrip().endswith(("?", "？"))


def _header_looks_like_data(header: Sequence[str]) -> str | None:
    """The first filled cell that reads like a question or an answer rather than a name."""
    for cell in header:
        if (_ends_with_question_mark(cell) and len(cell.split()) >= 3) or len(cell) > 80:
            return cell
    return None


@dataclass
class _Columns:
    question: int
    answer: int
    section: int | None
    alternatives: int | None
    guessed: list[str]


class _NoColumns(Exception):
    """A sheet whose question and answer columns cannot be found; the message says why."""


def _columns(header: list[str], rows: list[list[str]]) -> _Columns:
    taken: set[int] = set()
    section = _named(header, SECTION_NAMES, taken)
    if section is not None:
        taken.add(section)
    alternatives = _named(header, ALTERNATIVE_NAMES, taken)
    if alternatives is not None:
        taken.add(alternatives)
    question = _named(header, QUESTION_NAMES, taken)
    if question is not None:
        taken.add(question)
    answer = _named(header, ANSWER_NAMES, taken)
    if answer is not None:
        taken.add(answer)
    found = ", ".join(f"'{h}'" for h in header if h) or "none"
    if question is None and answer is None and (data := _header_looks_like_data(header)):
        raise _NoColumns(
            f"the first row looks like data, not column names ({data[:60]!r}); a header row "
            "is required: add one such as 'question' and 'answer' above the first row")
    guessed: list[str] = []
    free = [i for i in range(len(header)) if i not in taken]
    if question is None:
        question = _guess_question(free, rows)
        if question is None:
            raise _NoColumns(
                f"no question column: the columns found are {found}, and none is named like "
                "'question' nor has cells that mostly end with '?'; name the question column "
                "'question' and the answer column 'answer'")
        guessed.append(f"question = '{header[question]}'")
        free.remove(question)
    if answer is None:
        answer = _guess_answer(free, rows)
        if answer is None:
            raise _NoColumns(
                f"no answer column: the columns found are {found}, and none is named like "
                "'answer' nor holds text besides the questions; name the answer column 'answer'")
        guessed.append(f"answer = '{header[answer]}'")
    return _Columns(question, answer, section, alternatives, guessed)


def _filled(rows: list[list[str]], column: int) -> list[str]:
    return [row[column] for row in rows if column < len(row) and row[column]]


def _guess_question(candidates: list[int], rows: list[list[str]]) -> int | None:
    best, best_share = None, 0.0
    for column in candidates:
        cells = _filled(rows, column)
        if not cells:
            continue
        share = sum(_ends_with_question_mark(c) for c in cells) / len(cells)
        if share > best_share:
            best, best_share = column, share
    return best if best_share >= _MOSTLY else None


def _guess_answer(candidates: list[int], rows: list[list[str]]) -> int | None:
    best, best_length = None, 0.0
    for column in candidates:
        cells = _filled(rows, column)
        length = sum(len(c) for c in cells) / len(cells) if cells else 0.0
        if length > best_length:
            best, best_length = column, length
    return best


def _at(row: list[str], column: int | None) -> str:
    return row[column] if column is not None and column < len(row) else ""


def _alternatives(cell: str, question: str) -> tuple[str, ...]:
    seen = {question.casefold()}
    out: list[str] = []
    for part in _ALTERNATIVE_SPLIT.split(cell):
        wording = clean_text(part)
        if wording and wording.casefold() not in seen:
            seen.add(wording.casefold())
            out.append(wording)
    return tuple(out)


def _read_sheet(label: str, document: str, file: str, rows: list[list[str]],
                result: ReadResult) -> str | None:
    """Add one sheet's rows to `result`; the reason when it holds no usable row."""
    numbered = [(number, row) for number, row in enumerate(rows, start=1) if any(row)]
    if not numbered:
        return "it is empty"
    (_, header), data = numbered[0], numbered[1:]
    try:
        columns = _columns(header, [row for _, row in data])
    except _NoColumns as problem:
        return str(problem)
    if columns.guessed:
        result.notes.append(f"{label}: columns guessed: {', '.join(columns.guessed)}")
    added = 0
    for number, row in data:
        question, answer = clean_text(_at(row, columns.question)), _at(row, columns.answer)
        if not question or not answer:
            empty = "question" if not question else "answer"
            result.skipped.append(Skipped(f"{label}, row {number}",
                                          f"row {number}: empty {empty}"))
            continue
        section = clean_text(_at(row, columns.section)) or None
        result.questions.append(ImportedQuestion(
            question=question, answer=answer,
            citation=Citation(document=document, file=file, section=section),
            alternatives=_alternatives(_at(row, columns.alternatives), question)))
        added += 1
    if not added:
        names = ", ".join(f"'{h}'" for h in header if h)
        return (f"no row has both a question and an answer (columns found: {names}; question = "
                f"'{header[columns.question]}', answer = '{header[columns.answer]}')")
    return None


def _decode_csv(name: str, data: bytes, result: ReadResult) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        text = data.decode("latin-1")
        result.notes.append(f"{name}: not UTF-8 nor Windows-1252; read as Latin-1, check "
                            "accented letters (save the file as CSV UTF-8 to be sure)")
        return text
    result.notes.append(f"{name}: not UTF-8; read as Windows-1252 (cp1252), check accented "
                        "letters and symbols (save the file as CSV UTF-8 to be sure)")
    return text


def _csv_rows(name: str, data: bytes, result: ReadResult) -> list[list[str]]:
    text = _decode_csv(name, data, result)
    sample = text[:65536]
    dialect: type[csv.Dialect] | csv.Dialect = csv.excel
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=_DELIMITERS)
    except csv.Error:
        dialect = csv.excel_tab if name.lower().endswith(".tsv") else csv.excel
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    try:
        return [[_cell(value) for value in row] for row in reader]
    except csv.Error as exc:
        raise UnreadableSource(name, f"not a readable CSV file: {exc}; check the quoting, "
                               "or export the sheet again as CSV") from exc


def _excel_sheets(name: str, path: Path) -> list[tuple[str, list[list[str]]]]:
    from openpyxl import load_workbook  # a heavy import, only for spreadsheets

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds (zip, XML, key errors)
        raise UnreadableSource(
            name, f"not a readable Excel file (encrypted or damaged?): {exc or type(exc).__name__}"
            "; remove the password, or open it in Excel and save it again") from exc
    try:
        return [(sheet.title, [[_cell(value) for value in row]
                               for row in sheet.iter_rows(values_only=True)])
                for sheet in workbook.worksheets]
    except Exception as exc:
        raise UnreadableSource(
            name, f"not a readable Excel file (encrypted or damaged?): {exc or type(exc).__name__}"
            "; open it in Excel and save it again") from exc
    finally:
        workbook.close()


def read_table(path: Path) -> ReadResult:
    """Read a `.csv` or `.xlsx` FAQ: one question and its answer per row."""
    name = path.name
    suffix = path.suffix.lower()
    if suffix == ".xls":
        raise UnreadableSource(name, "the old Excel format (.xls) is not supported; open it in "
                               "Excel and save it as .xlsx or CSV UTF-8")
    if suffix not in CSV_SUFFIXES | EXCEL_SUFFIXES:
        raise UnreadableSource(name, f"not a spreadsheet ({suffix or 'no extension'}); "
                               "import a .csv or .xlsx file")
    try:
        check_size(name, path.stat().st_size)
    except OSError as exc:
        raise UnreadableSource(name, f"cannot read the file: {exc.strerror}") from exc
    result = ReadResult(source=name, title=humanise(path.stem))
    if suffix in CSV_SUFFIXES:
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise UnreadableSource(name, f"cannot read the file: {exc.strerror}") from exc
        sheets = [(name, _csv_rows(name, data, result))]
    else:
        sheets = _excel_sheets(name, path)
    problems: list[str] = []
    for sheet, rows in sheets:
        label = name if suffix in CSV_SUFFIXES or len(sheets) == 1 else f"{name} - {sheet}"
        document = result.title if len(sheets) == 1 else label
        problem = _read_sheet(label, document, name, rows, result)
        if problem:
            problems.append(problem if len(sheets) == 1 else f"sheet '{sheet}': {problem}")
            if len(sheets) > 1:
                result.skipped.append(Skipped(f"sheet '{sheet}'", problem))
    if not result.questions:
        raise UnreadableSource(name, "no usable rows: " + "; ".join(problems))
    return result
