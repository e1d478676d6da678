"""Read a PDF (a fee schedule, terms and conditions, a product sheet) into passages.

A PDF stores characters at positions, not paragraphs or headings, so the reader rebuilds what
a person sees from pdfplumber's characters (font size, font name, position):

- body text is the most common font size in the document; a line in a clearly larger font,
  a short all-bold line, or a short Title Case / numbered line ("3. Fees") that starts a block
  and is followed by text is a heading. Headings nest by rank (size, then bold, then
  numbering depth), so `section` reads "3. Payments > 3.1 Transfers".
- hard-wrapped lines are joined into paragraphs (a new paragraph after a vertical gap, after a
  short line ending a sentence, or at a bullet), and hyphenation at line ends is undone.
- lines repeated at the top or bottom of most pages (the page header and footer), page
  numbers and table-of-contents entries ("Fees . . . 4") are dropped: they would otherwise
  be repeated in passages or answer with a page number.
- ruled tables (`find_tables`) are read row by row into lines that stand on their own
  ("International transfer in USD: EUR 4 per payment") and their area is cut out of the prose.
- every passage has exactly one page: a section that goes on over a page break becomes a new
  passage on the next page, so the citation's page is always right.

The title is the PDF's metadata Title when it is meaningful, else the big first line of page 1,
else the file name. Pages without a text layer (scans) refuse the whole file: importing only
the pages that have text would give answers from half a document.

`rows_as_lines`, `first_row_is_header`, `meaningful_title` and `PassageCollector` are
shared with the DOCX reader so that both read tables, titles and sections the same way.

Why this module is long: rebuilding headings, paragraphs, tables and page furniture from
positioned characters is one job whose steps share the page's measurements; split across
modules they would pass those measurements back and forth.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from typing import Any

import pdfplumber
from pdfminer.pdfdocument import PDFEncryptionError
from pdfplumber.utils.exceptions import PdfminerException

from bot.kb.importers.base import (
    Citation,
    ImportedPassage,
    ReadResult,
    Skipped,
    UnreadableSource,
    check_size,
    clean_text,
)
from bot.kb.importers.table import humanise, table_lines

ENCRYPTED = (
    "the PDF is encrypted (password protected); export an unprotected copy and import that"
)
OCR_NEEDED = "it needs OCR before import"

# --- shared with the DOCX reader -------------------------------------------------------------

_CELL_SPACES = re.compile(r"\s+")
_DIGIT = re.compile(r"\d")
_CURRENCY = re.compile(r"[€$£¥%]")
_FILE_NAME = re.compile(r"\.(?:pdf|docx?|dotx?|rtf|odt|pages|txt|html?|indd|pptx?|xlsx?)$", re.I)
_PRODUCER_PREFIX = re.compile(r"^Microsoft (?:Word|PowerPoint|Excel) - ", re.I)
_PLACEHOLDER_TITLES = {"untitled", "title", "document", "none", "unknown", "no title", "draft",
                       "powerpoint presentation", "presentation", "word document"}


def meaningful_title(value: object) -> str | None:
    """The document's own title, or None when it is empty, a placeholder ("Untitled") or just
    a file name ("Microsoft Word - fees.docx"), which makes a worse citation than the stem."""
    if isinstance(value, bytes):
        value = value.decode("utf-8", errors="ignore")
    if not isinstance(value, str):
        return None
    title = " ".join(value.replace("\x00", "").split())
    title = _PRODUCER_PREFIX.sub("", title)
    if (len(title) > 200 or _FILE_NAME.search(title) or sum(ch.isalpha() for ch in title) < 2
            or title.lower().rstrip(".") in _PLACEHOLDER_TITLES
            or title.lower().startswith("untitled")):
        return None
    return title


def _cell(value: str | None) -> str | None:
    """A cell on one line: wrapped lines joined (hyphenation undone), spaces collapsed. None
    (a cell covered by a merged cell) stays None."""
    if value is None:
        return None
    lines = [line.strip() for line in value.replace("\r", "").split("\n") if line.strip()]
    text = ""
    for line in lines:
        text = join_wrapped(text, line) if text else line
    return _CELL_SPACES.sub(" ", text).strip()


def first_row_is_header(row: Sequence[str | None]) -> bool:
    """Whether a table's first row looks like column headers when the file gives no sign
    (bold, a repeated header row): short labels that start with a capital, no amounts."""
    cells = [_cell(value) or "" for value in row]
    filled = [cell for cell in cells if cell]
    return bool(filled) and len(filled) == len(cells) and all(
        cell[0].isupper() and len(cell.split()) <= 4
        and not _DIGIT.search(cell) and not _CURRENCY.search(cell)
        for cell in filled)


def rows_as_lines(rows: Sequence[Sequence[str | None]], header: bool) -> list[str]:
    """A table's rows as lines that read on their own (`table.table_lines`, shared by every
    reader): ["Service", "Fee"] + ["Transfer in USD", "EUR 4"] gives "Transfer in USD: EUR 4".

    First the cells are tidied: wrapped cell lines joined, a None cell (covered by a merged
    cell above) in the first column repeats the label of the row above, and empty rows and
    columns are dropped.
    """
    grid = [[_cell(value) for value in row] for row in rows]
    width = max((len(row) for row in grid), default=0)
    grid = [row + [""] * (width - len(row)) for row in grid]
    keep = [col for col in range(width) if any(row[col] for row in grid)]
    grid = [[row[col] for col in keep] for row in grid]
    grid = [row for row in grid if any(row)]
    if not grid:
        return []
    head = [cell or "" for cell in grid[0]] if header else []
    body: list[list[str]] = []
    label_above = ""
    for row in grid[1:] if header else grid:
        label = row[0] if row[0] is not None else label_above
        label_above = label
        body.append([label, *(cell or "" for cell in row[1:])])
    if not body:
        return ["; ".join(cell for cell in head if cell)]
    return table_lines(head, body)


def join_wrapped(text: str, line: str) -> str:
    """Append a wrapped line, undoing hyphenation ("sched-" + "ule" -> "schedule"); a hyphen
    before a capital ("Euro-" + "Zone") is a real one and stays."""
    if text.endswith("\u00ad"):
        return text[:-1] + line
    if len(text) > 1 and text.endswith("-") and text[-2].isalpha() and line[:1].islower():
        return text[:-1] + line
    if text.endswith(("-", "/")) and len(text) > 1 and text[-2].isalpha():
        return text + line
    return f"{text} {line}"


class PassageCollector:
    """Collects the blocks of one section on one page and turns them into passages, so that
    every passage has one heading and one page."""

    def __init__(self, document: str, file: str) -> None:
        self.document = document
        self.file = file
        self.passages: list[ImportedPassage] = []
        self._section: str | None = None
        self._page: int | None = None
        self._blocks: list[tuple[str, bool]] = []  # (text, is a list item)

    def move_to(self, section: str | None, page: int | None) -> None:
        """Start a new passage when the heading or the page changes."""
        if (section, page) != (self._section, self._page):
            self.flush()
            self._section, self._page = section, page

    def add(self, text: str, list_item: bool = False) -> None:
        if text.strip():
            self._blocks.append((text, list_item))

    def table(self, lines: Sequence[str]) -> None:
        """A table is a passage of its own under the current heading and page."""
        self.flush()
        self._emit("\n".join(lines))

    def flush(self) -> None:
        text = ""
        for index, (block, list_item) in enumerate(self._blocks):
            if index:
                text += "\n" if list_item and self._blocks[index - 1][1] else "\n\n"
            text += block
        self._blocks = []
        self._emit(text)

    def _emit(self, text: str) -> None:
        text = clean_text(text)
        if text:
            citation = Citation(document=self.document, file=self.file,
                                section=self._section, page=self._page)
            self.passages.append(ImportedPassage(text=text, citation=citation))


# --- reading the PDF -------------------------------------------------------------------------

_BOLD_FONT = re.compile(r"bold|black|heavy|semibold|demi", re.I)
_MONO_FONT = re.compile(r"mono|courier|consol|code|typewriter|cmtt|^tt", re.I)
_CID = re.compile(r"\(cid:\d+\)")  # a glyph pdfminer could not map to a character
_TOC_LEADER = re.compile(r"(?:\. ?){5,}|…{3,}")  # "Fees . . . . . 4": a table of contents
_PAGE_NUMBER = re.compile(
    r"^(?:(?:page|p\.|pg\.?|seite|pagina|página)\s*)?[-–—(\[]?\s*\d{1,4}\s*[-–—)\]]?"
    r"(?:\s*(?:of|/|von|de|di|sur)\s*\d{1,4})?$", re.I)
_PAGE_OF = re.compile(
    r"^(?:page|seite|pagina|página)\s+\d{1,4}\s*(?:of|/|von|de|di|sur)\s*\d{1,4}$", re.I)
_ROMAN_PAGE = re.compile(r"^[ivxlc]{1,6}$", re.I)
_BULLET = re.compile(r"^[•·▪‣◦●○■□►➢✓\-–—*]\s+")
_LIST_ITEM = re.compile(r"^(?:\d{1,3}[.)]|[a-z][.)]|\(\w{1,3}\))\s+")
_NUMBERED = re.compile(r"^(?:(\d{1,2}\.(?:\d{1,2}\.?)*)|[A-Z]\.|[IVX]{1,4}\.)\s+(?=[^\W\d_])")
_WORD = re.compile(r"[^\W\d_][\w'’\-]*")
_SMALL_WORDS = {"a", "an", "and", "as", "at", "by", "for", "from", "in", "into", "of", "on", "or",
                "per", "the", "to", "vs", "via", "with", "your", "our", "&"}
_EDGE = 0.15  # the top and bottom share of a page where headers and footers sit
# Words split where the gap is over 0.15 of the font size (pdfplumber's default is a fixed
# 3 pt, which runs words together in tightly set 10 pt text without space characters).
_WORDS: dict[str, Any] = {"x_tolerance_ratio": 0.15}
_SCAN_IMAGE_SHARE = 0.25
# A heading (or title) line this close below another of the same style goes on the same
# heading, in font sizes (headings are often set with loose line spacing).
_WRAPPED = 2.0  # a page without text is a scan when images cover this much of it


@dataclass
class _Line:
    text: str
    top: float
    x0: float
    x1: float
    size: float  # the line's most common character size, rounded to 0.5 pt
    bold: bool
    mono: bool  # set in a typewriter font: code or a form, never a plain-text heading
    edge: bool  # in the top or bottom band of the page


@dataclass
class _Table:
    top: float
    rows: list[list[str | None]]
    bold_first_row: bool


@dataclass
class _Page:
    number: int
    lines: list[_Line]
    tables: list[_Table]
    image_share: float  # share of the page covered by images


def read_pdf(path: Path) -> ReadResult:
    """Read a PDF into passages (one per section and page, tables as passages of their own).

    Raises `UnreadableSource` for an encrypted, damaged or scanned PDF (nothing is imported).
    """
    name = path.name
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise UnreadableSource(name, f"cannot read the file: {exc.strerror or exc}") from exc
    check_size(name, size)
    metadata, pages = _load(path)
    skipped: list[Skipped] = []
    notes: list[str] = []

    furniture = _drop_furniture(pages)
    if furniture:
        shown = ", ".join(f"'{text}'" for text in furniture[:3])
        notes.append(f"left out the page header/footer repeated on most pages: {shown}")
    contents = _drop_contents(pages)
    if contents:
        where = "pages" if len(contents) > 1 else "page"
        notes.append(f"left out the table of contents ({where} {_page_list(contents)})")
    _refuse_scans(name, pages, skipped)

    reader = _Reader(pages)
    title_lines = reader.title_lines()
    visual_title = " ".join(line.text for line in title_lines)
    title = meaningful_title(metadata.get("Title")) or visual_title or humanise(path.stem)
    collector = PassageCollector(title, name)
    reader.read(collector, skip=title_lines)
    if not collector.passages:
        raise UnreadableSource(name, "no text found besides page headers, footers and numbers")
    for page in pages:
        # (a page all picture with text on it is a scan with OCR text: that text is read)
        if (page.lines or page.tables) and _SCAN_IMAGE_SHARE <= page.image_share < 0.8:
            skipped.append(Skipped(
                what=f"page {page.number}: picture",
                why="pictures are not imported; if it shows text (a scanned table), "
                    "add that text to the document or OCR it"))
    return ReadResult(source=name, title=title, passages=collector.passages,
                      skipped=skipped, notes=notes)


def _load(path: Path) -> tuple[dict[str, Any], list[_Page]]:
    """Everything needed from pdfplumber, read at once so that a damaged file fails here,
    whatever pdfminer raises for it."""
    name = path.name
    try:
        with pdfplumber.open(path) as pdf:
            metadata = dict(pdf.metadata or {})
            pages = []
            for page in pdf.pages:
                pages.append(_load_page(page))
                page.close()  # frees the page's parsed objects: a long PDF stays small
    except Exception as exc:  # pdfminer raises many types for a damaged file
        cause = exc.args[0] if isinstance(exc, PdfminerException) and exc.args else exc
        if isinstance(cause, PDFEncryptionError):
            raise UnreadableSource(name, ENCRYPTED) from exc
        reason = str(cause).strip() or type(cause).__name__
        raise UnreadableSource(name, f"not a readable PDF (damaged or not a PDF): {reason}"
                               ) from exc
    if not pages:
        raise UnreadableSource(name, "not a readable PDF (damaged or not a PDF): it has no pages")
    return metadata, pages


def _inside(obj: dict[str, Any], bbox: Sequence[float]) -> bool:
    """Whether an object's centre lies in a box (how pdfplumber assigns chars to cells)."""
    x = (obj["x0"] + obj["x1"]) / 2
    y = (obj["top"] + obj["bottom"]) / 2
    return bool(bbox[0] <= x <= bbox[2] and bbox[1] <= y <= bbox[3])


def _font(char: dict[str, Any]) -> str:
    """The font's name without the subset prefix ("ABCDEF+Arial-BoldMT")."""
    return str(char.get("fontname", "")).split("+")[-1]


def _is_bold(char: dict[str, Any]) -> bool:
    return bool(_BOLD_FONT.search(_font(char)))


def _load_page(page: Any) -> _Page:
    chars = [char for char in page.chars if str(char.get("text", "")).strip()]
    tables: list[_Table] = []
    boxes: list[Sequence[float]] = []
    for found in page.find_tables():
        rows = found.extract(**_WORDS)
        if len(rows) < 2 or max(len(row) for row in rows) < 2:
            continue  # a frame around prose, not a table
        boxes.append(found.bbox)
        first_row = [char for char in chars if _inside(char, found.rows[0].bbox)]
        tables.append(_Table(top=float(found.bbox[1]), rows=rows,
                             bold_first_row=bool(first_row) and all(map(_is_bold, first_row))))
    prose = page
    if boxes:
        def outside_tables(obj: dict[str, Any]) -> bool:
            return obj.get("object_type") != "char" or not any(_inside(obj, b) for b in boxes)
        prose = page.filter(outside_tables)
    height = float(page.height) or 1.0
    lines: list[_Line] = []
    for raw in prose.extract_text_lines(strip=True, return_chars=True, **_WORDS):
        visible = [char for char in raw["chars"] if str(char.get("text", "")).strip()]
        text = " ".join(_CID.sub("", str(raw["text"])).split())
        if not visible or not text:
            continue
        size = Counter(round(float(char["size"]) * 2) / 2 for char in visible).most_common(1)
        edge = raw["top"] < height * _EDGE or raw["bottom"] > height * (1 - _EDGE)
        lines.append(_Line(text=text, top=float(raw["top"]), x0=float(raw["x0"]),
                           x1=float(raw["x1"]), size=size[0][0],
                           bold=all(map(_is_bold, visible)), edge=edge,
                           mono=all(_MONO_FONT.search(_font(c)) for c in visible)))
    area = float(page.width) * height or 1.0
    covered = 0.0
    for image in page.images:
        x0, x1 = max(float(image["x0"]), 0.0), min(float(image["x1"]), float(page.width))
        top, bottom = max(float(image["top"]), 0.0), min(float(image["bottom"]), height)
        covered += max(x1 - x0, 0.0) * max(bottom - top, 0.0)
    return _Page(number=int(page.page_number), lines=lines, tables=tables,
                 image_share=min(covered / area, 1.0))


def _furniture_key(line: _Line) -> str:
    """The line with numbers masked ("Page # of #") and its size: a running header repeats
    the title of page 1, but in a smaller font."""
    return f"{line.size}|" + _DIGIT.sub("#", " ".join(line.text.lower().split()))


def _drop_furniture(pages: list[_Page]) -> list[str]:
    """Drop page headers/footers (the same line at a page's top or bottom on most pages,
    numbers aside) and page numbers; return the header/footer lines dropped."""
    with_text = [page for page in pages if page.lines]
    counts: Counter[str] = Counter()
    for page in with_text:
        counts.update({_furniture_key(line) for line in page.lines if line.edge})
    need = max(2, math.ceil(0.6 * len(with_text)))
    repeated = {key for key, count in counts.items() if count >= need}
    dropped: dict[str, str] = {}
    for page in pages:
        kept = []
        for line in page.lines:
            key = _furniture_key(line)
            page_number = _PAGE_OF.match(line.text) or (line.edge and (
                _PAGE_NUMBER.match(line.text) or _ROMAN_PAGE.match(line.text)))
            if line.edge and key in repeated and not page_number:
                dropped.setdefault(key, line.text)
            if not page_number and not (line.edge and key in repeated):
                kept.append(line)
        page.lines = kept
    return list(dropped.values())


def _drop_contents(pages: list[_Page]) -> list[int]:
    """Drop table-of-contents entries ("Fees . . . . 4"): they would answer with a page
    number. Return the pages they were on."""
    found: list[int] = []
    for page in pages:
        kept = [line for line in page.lines if not _TOC_LEADER.search(line.text)]
        if len(kept) < len(page.lines):
            found.append(page.number)
            page.lines = kept
    return found


def _page_list(numbers: list[int]) -> str:
    """Page numbers as "2, 3" or "2-9, 12": runs of three or more pages as ranges."""
    parts: list[str] = []
    start = prev = numbers[0]
    for number in [*numbers[1:], -1]:
        if number == prev + 1:
            prev = number
            continue
        parts.append(f"{start}-{prev}" if prev - start >= 2 else
                     ", ".join(str(n) for n in range(start, prev + 1)))
        start = prev = number
    return ", ".join(parts)


def _refuse_scans(name: str, pages: list[_Page], skipped: list[Skipped]) -> None:
    """Refuse a PDF that has scanned pages; skip blank ones (no text, no picture)."""
    empty = [page for page in pages if not page.lines and not page.tables]
    scans = [page.number for page in empty if page.image_share >= _SCAN_IMAGE_SHARE]
    if len(empty) == len(pages):
        if scans or any(page.image_share for page in pages):
            raise UnreadableSource(name, f"no text: the pages are images (a scan); {OCR_NEEDED}")
        raise UnreadableSource(name, "no text found: the pages are empty or their text is drawn "
                                     f"as shapes; {OCR_NEEDED}")
    if scans:
        which = f"pages {_page_list(scans)} have" if len(scans) > 1 else f"page {scans[0]} has"
        raise UnreadableSource(name, f"{which} no text layer (scanned?); {OCR_NEEDED}")
    for page in empty:
        skipped.append(Skipped(what=f"page {page.number}", why="no text on the page (blank)"))


def _title_case(text: str) -> bool:
    words = _WORD.findall(text)
    return bool(words) and words[0][0].isupper() and all(
        word[0].isupper() for word in words if word.lower() not in _SMALL_WORDS)


@dataclass
class _Heading:
    text: str
    rank: tuple[float, int, int]  # (size, bold, -numbering depth): bigger ranks higher
    top: float


class _Reader:
    """Turns the pages' lines and tables into headings, paragraphs and table passages."""

    def __init__(self, pages: list[_Page]) -> None:
        self.pages = pages
        sizes: Counter[float] = Counter()
        for page in pages:
            for line in page.lines:
                sizes[line.size] += len(line.text)
        self.body = sizes.most_common(1)[0][0] if sizes else 10.0
        gaps = sorted(
            b.top - a.top for page in pages for a, b in pairwise(page.lines)
            if a.size == b.size == self.body and 0.8 * self.body < b.top - a.top < 3 * self.body)
        self.spacing = gaps[len(gaps) // 4] if gaps else 1.25 * self.body

    def title_lines(self) -> list[_Line]:
        """The first line of page 1 (with its wrapped continuation) when it is set in the
        page's largest font, bigger than anything else there: the document's visible title."""
        lines = self.pages[0].lines
        if not lines:
            return []
        biggest = max(line.size for line in lines)
        start = next(i for i, line in enumerate(lines) if line.size == biggest)
        if start > 2 or biggest < self.body + 1 or _NUMBERED.match(lines[start].text):
            return []
        title = [lines[start]]
        for line in lines[start + 1:]:
            if line.size != biggest or line.top - title[-1].top > _WRAPPED * biggest:
                break
            title.append(line)
        rest = [line for line in lines if line.size == biggest and line not in title]
        return [] if rest or len(title) > 3 else title

    def read(self, out: PassageCollector, skip: list[_Line]) -> None:
        """Feed every page's headings, paragraphs and tables to `out`, in reading order."""
        self._out = out
        self._stack: list[_Heading] = []
        self._last_header: list[str | None] | None = None  # of a table that ended a page
        for page in self.pages:
            self._read_page(page, skip)
        out.flush()

    def _section(self) -> str | None:
        return " > ".join(heading.text for heading in self._stack) or None

    def _read_page(self, page: _Page, skip: list[_Line]) -> None:
        items: list[_Line | _Table] = [line for line in page.lines if line not in skip]
        items += page.tables
        items.sort(key=lambda item: item.top)
        body = [line for line in page.lines if line.size == self.body]
        left = min((line.x0 for line in body), default=0.0)
        right = max((line.x1 for line in body), default=0.0)
        width = max(right - left, 1.0)
        paragraph = ""
        listed = False
        prev: _Line | None = None
        ranks = self._heading_ranks(items, width)
        self._out.move_to(self._section(), page.number)
        for index, item in enumerate(items):
            if isinstance(item, _Table):
                self._out.add(paragraph, listed)
                paragraph, prev = "", None
                self._read_table(item, first_on_page=index == 0, page=page.number)
                continue
            rank = ranks[index]
            if rank is not None:
                self._out.add(paragraph, listed)
                paragraph = ""
                self._heading(item, rank, prev)
                self._out.move_to(self._section(), page.number)
                prev = item
                continue
            text = item.text
            bullet = _BULLET.match(text)
            if bullet:
                text = "- " + text[bullet.end():]
            item_listed = bool(bullet or _LIST_ITEM.match(text))
            if not paragraph or item_listed or self._new_paragraph(prev, item, right, width):
                self._out.add(paragraph, listed)
                paragraph, listed = text, item_listed
            else:
                paragraph = join_wrapped(paragraph, text)
            prev = item
        self._out.add(paragraph, listed)
        if not items or not isinstance(items[-1], _Table):
            self._last_header = None

    def _heading(self, line: _Line, rank: tuple[float, int, int], prev: _Line | None) -> None:
        text = line.text.rstrip(":").strip()
        top = self._stack[-1] if self._stack else None
        if (top is not None and prev is not None and top.rank == rank and top.top == prev.top
                and not _NUMBERED.match(text) and line.top - prev.top < _WRAPPED * line.size):
            top.text += f" {text}"  # a heading wrapped over two lines
            top.top = line.top
            return
        while self._stack and self._stack[-1].rank <= rank:
            self._stack.pop()
        self._stack.append(_Heading(text=text, rank=rank, top=line.top))

    def _read_table(self, table: _Table, first_on_page: bool, page: int) -> None:
        header = table.rows[0]
        rows = table.rows
        last = self._last_header
        same = last is not None and [_cell(c) for c in header] == [_cell(c) for c in last]
        if (first_on_page and last is not None and len(header) == len(last)
                and (same or not table.bold_first_row)):
            # a table going on from the page before, its header repeated or not
            rows = rows if same else [last, *rows]
            has_header = True
        else:
            has_header = table.bold_first_row or first_row_is_header(header)
        self._out.move_to(self._section(), page)
        self._out.table(rows_as_lines(rows, has_header))
        self._last_header = rows[0] if has_header else None

    def _new_paragraph(self, prev: _Line | None, line: _Line, right: float, width: float) -> bool:
        if prev is None or abs(prev.size - line.size) >= 1:
            return True  # after a heading, or a caption / footnote in another size
        if line.top - prev.top > 1.3 * self.spacing + 0.5:
            return True
        ends_sentence = prev.text.endswith((".", "!", "?", ":"))
        if ends_sentence and prev.x1 < right - 0.15 * width:
            return True  # the short last line of a paragraph
        return ends_sentence and line.x0 > prev.x0 + 1.5 * self.body  # first-line indent

    def _heading_ranks(self, items: list[_Line | _Table],
                       width: float) -> list[tuple[float, int, int] | None]:
        """Each item's heading rank (None: not a heading). Lines that look like a heading but
        together run long (a lead paragraph set in a bigger font) are prose."""
        ranks = [self._heading_rank(index, items, width) if isinstance(item, _Line) else None
                 for index, item in enumerate(items)]
        start = 0
        while start < len(items):
            rank, first = ranks[start], items[start]
            end = start + 1
            if rank is None or not isinstance(first, _Line):
                start = end
                continue
            run = [first]
            while end < len(items) and ranks[end] == rank:
                line = items[end]
                if (not isinstance(line, _Line) or line.top - run[-1].top >= _WRAPPED * line.size
                        or _NUMBERED.match(line.text)):
                    break
                run.append(line)
                end += 1
            text = " ".join(line.text for line in run)
            if len(run) > 3 or len(text) > 150 or (text.endswith(".") and len(text.split()) > 8):
                ranks[start:end] = [None] * len(run)
            start = end
        return ranks

    def _heading_rank(self, index: int, items: list[_Line | _Table],
                      width: float) -> tuple[float, int, int] | None:
        line = items[index]
        assert isinstance(line, _Line)
        text = line.text
        words = text.split()
        if not any(ch.isalpha() for ch in text) or _BULLET.match(text):
            return None
        numbered = _NUMBERED.match(text)
        # "3.1" ranks under "3." and an unnumbered heading of the same style
        depth = numbered.group(1).rstrip(".").count(".") + 1 if numbered and numbered.group(1) \
            else 1
        prev = items[index - 1] if index else None
        nxt = items[index + 1] if index + 1 < len(items) else None
        starts_block = not isinstance(prev, _Line) or line.top - prev.top > 1.3 * self.spacing
        if line.size >= self.body + 1 and len(words) <= 20:
            return (line.size, int(line.bold), -depth)
        if line.size < self.body - 0.25 or text.endswith((".", ",", ";")) or not starts_block:
            return None
        if line.bold and len(words) <= 12:
            if (isinstance(nxt, _Line) and nxt.bold and nxt.size == line.size
                    and nxt.top - line.top <= 1.3 * self.spacing):
                return None  # a bold paragraph, not a heading
            return (line.size, 1, -depth)
        if (line.bold or line.mono or len(words) > 8 or len(text) > 70 or nxt is None
                or text.endswith(("!", "?", ":")) or line.x1 - line.x0 > 0.7 * width):
            return None
        if isinstance(nxt, _Line):
            if nxt.size != line.size or nxt.bold or _LIST_ITEM.match(nxt.text):
                return None  # not followed by body text (or the first item of a list)
            if _title_case(nxt.text) and len(nxt.text.split()) <= 8:
                return None
        if numbered or _title_case(text):
            return (line.size, 0, -depth)
        return None

