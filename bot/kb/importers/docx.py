"""Read a Word document (.docx) into passages, one per heading and page.

Word keeps the structure a PDF loses: headings are paragraphs styled "Heading 1".."Heading 9"
or "Title" (or a style based on one), lists are "List ..." styles or numbered paragraphs, and
tables are tables. The body is walked in document order (paragraphs and tables interleaved,
content controls opened), so a table lands under the heading above it. Sections nest:
"Payments > Transfers abroad" for a Heading 2 under a Heading 1. The first "Title" paragraph is
the document's title, not a section.

Pages: a .docx has no fixed pages; Word lays them out when it opens the file. The reader
counts them the way Word last did when the file has `w:lastRenderedPageBreak` marks (Word
writes one where each page began when it saves), and otherwise by the explicit breaks: page
breaks in runs (`w:br w:type="page"`), "page break before" paragraphs and section breaks that
start a new page. Without rendered marks the page is therefore a lower bound (text flowing
onto the next page is not seen), which still points the reader to the right place in most
policy documents, where each part starts on a new page. Page numbers start at 1, and a
section that goes on after a break becomes a new passage with the new page.

Tables become passages of their own, one readable line per row, exactly as the PDF reader
writes them ("International transfer in USD: EUR 4 per payment"). Text boxes, headers,
footers, footnotes and comments are not imported.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NamedTuple

import docx
from docx.enum.style import WD_STYLE_TYPE
from docx.opc.exceptions import PackageNotFoundError
from docx.oxml.ns import qn
from lxml import etree

from bot.kb.importers.base import ReadResult, Skipped, UnreadableSource, check_size
from bot.kb.importers.pdf import (
    PassageCollector,
    first_row_is_header,
    meaningful_title,
    rows_as_lines,
)
from bot.kb.importers.table import humanise

_OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # an OLE compound file: an encrypted .docx, or an old .doc
NOT_DOCX = "not a readable Word .docx file (damaged, or an old .doc: save it as .docx)"
ENCRYPTED = ("the Word file is encrypted (password protected); save a copy without the "
             "password (File > Info > Protect Document) and import that")
_FALSE = {"0", "false", "off"}
_HEADING = re.compile(r"^Heading\s*(\d)?")

_P, _TBL, _TR, _TC, _R = qn("w:p"), qn("w:tbl"), qn("w:tr"), qn("w:tc"), qn("w:r")
_T, _TAB, _PTAB, _BR, _CR = qn("w:t"), qn("w:tab"), qn("w:ptab"), qn("w:br"), qn("w:cr")
_RENDERED = qn("w:lastRenderedPageBreak")
_NB_HYPHEN, _SOFT_HYPHEN = qn("w:noBreakHyphen"), qn("w:softHyphen")
_SDT, _SDT_CONTENT, _CUSTOM_XML = qn("w:sdt"), qn("w:sdtContent"), qn("w:customXml")
# Inline containers whose runs are part of the paragraph's text (deleted and moved-away text,
# drawings and text boxes are not).
_INLINE = {qn("w:hyperlink"), qn("w:smartTag"), qn("w:ins"), qn("w:fldSimple"), _SDT,
           _SDT_CONTENT, _CUSTOM_XML, qn("w:moveTo"), qn("w:dir"), qn("w:bdo")}
_VAL = qn("w:val")
_BLOCK_CONTAINERS = {_TBL, _TR, _TC, _SDT, _SDT_CONTENT, _CUSTOM_XML}


def read_docx(path: Path) -> ReadResult:
    """Read a .docx into passages (one per heading and page, tables as passages of their
    own). Raises `UnreadableSource` for a damaged, encrypted or empty file."""
    name = path.name
    try:
        size = path.stat().st_size
        check_size(name, size)
        data = path.read_bytes()
    except OSError as exc:
        raise UnreadableSource(name, f"cannot read the file: {exc.strerror or exc}") from exc
    if data.startswith(_OLE_MAGIC):
        raise UnreadableSource(name, _ole_problem(data))
    try:
        document = docx.Document(io.BytesIO(data))
        body = document.element.body
        styles = _paragraph_styles(document)
        core_title = document.core_properties.title
    except (PackageNotFoundError, zipfile.BadZipFile, zipfile.LargeZipFile, KeyError,
            ValueError, EOFError, NotImplementedError, etree.LxmlError) as exc:
        reason = str(exc.args[0] if isinstance(exc, KeyError) and exc.args else exc)
        raise UnreadableSource(name, f"{NOT_DOCX}: {reason}") from exc

    def first(level: int) -> Any:
        return next((p for p in _paragraphs(body)
                     if styles.get(_style_id(p), _NORMAL).level == level and _plain_text(p)),
                    None)

    title_paragraph, first_heading = first(0), first(1)
    title = meaningful_title(core_title)
    for paragraph in (title_paragraph, first_heading):
        if not title and paragraph is not None:
            title = _plain_text(paragraph)
    title = title or humanise(path.stem)
    collector = PassageCollector(title, name)
    walker = _Walker(collector, styles, title_paragraph,
                     rendered=next(body.iter(_RENDERED), None) is not None)
    for child in body.iterchildren():
        walker.block(child)
    collector.flush()

    skipped: list[Skipped] = []
    boxes = any("".join(box.itertext()).strip() for box in body.iter(qn("w:txbxContent")))
    if boxes:
        skipped.append(Skipped(
            what="text boxes",
            why="text in text boxes and shapes is not imported; move it into the document's "
                "body if customers need it"))
    if not collector.passages:
        problem = ("no text found outside text boxes and shapes (not imported); move the text "
                   "into the document's body" if boxes else "no text found: the document is empty")
        raise UnreadableSource(name, problem)
    notes = [] if walker.rendered else [
        "pages counted by page breaks (the file has no page marks saved by Word), so text "
        "that flows onto a next page keeps the page where its section started"]
    if walker.contents:
        notes.append("left out the table of contents")
    return ReadResult(source=name, title=title, passages=collector.passages,
                      skipped=skipped, notes=notes)


def _ole_problem(data: bytes) -> str:
    """What an OLE compound file is: Office saves an encrypted .docx in one (with an
    "EncryptedPackage" stream), and an old Word .doc is one (a "WordDocument" stream)."""
    def has(stream: str) -> bool:
        return stream.encode("utf-16-le") in data

    if has("EncryptedPackage") or has("EncryptionInfo"):
        return ENCRYPTED
    if has("WordDocument"):
        return ("not a readable Word .docx file: it is an old Word .doc file; open it in Word "
                "and save it as .docx")
    return ("not a readable Word .docx file: it is an encrypted (password protected) or "
            "old-format Office file; save an unprotected copy as .docx and import that")


class _Style(NamedTuple):
    level: int | None  # 0 for "Title", 1-9 for "Heading N" (or a style based on one)
    listed: bool  # a "List ..." style: its paragraphs are list items
    contents: bool  # a table-of-contents style ("TOC 1"): left out


_NORMAL = _Style(level=None, listed=False, contents=False)


def _paragraph_styles(document: Any) -> dict[str, _Style]:
    """What each paragraph style means for the import, by style id."""
    styles: dict[str, _Style] = {}
    for style in document.styles:
        if style.type != WD_STYLE_TYPE.PARAGRAPH:
            continue
        name = str(style.name or "")
        level: int | None = None
        current, hops = style, 0
        while current is not None and hops < 10 and level is None:
            current_name = str(current.name or "")
            heading = _HEADING.match(current_name)
            if current_name.startswith("Title"):
                level = 0
            elif heading:
                level = int(heading.group(1) or 1)
            current, hops = current.base_style, hops + 1
        contents = name.upper().startswith("TOC")
        styles[style.style_id] = _Style(level=None if contents else level,
                                        listed=name.startswith("List"), contents=contents)
    return styles


def _paragraphs(element: Any) -> Iterator[Any]:
    """The paragraphs of a body or table cell in order, into tables and content controls but
    not into text boxes (which Word stores twice, as the shape and as a fallback)."""
    for child in element.iterchildren():
        if child.tag == _P:
            yield child
        elif child.tag in _BLOCK_CONTAINERS:
            yield from _paragraphs(child)


def _style_id(paragraph: Any) -> str:
    style = paragraph.find(f"{qn('w:pPr')}/{qn('w:pStyle')}")
    return str(style.get(_VAL)) if style is not None else ""


def _on(element: Any | None) -> bool:
    """Whether an on/off property (<w:b/>, <w:pageBreakBefore w:val="0"/>) is set."""
    return element is not None and str(element.get(_VAL, "1")).lower() not in _FALSE


def _pieces(paragraph: Any, rendered: bool) -> list[str | None]:
    """The paragraph's text in order, None where a page begins: a rendered page mark when the
    file has them, else an explicit page break."""
    out: list[str | None] = []

    def walk(element: Any) -> None:
        for child in element.iterchildren():
            if child.tag == _R:
                run(child)
            elif child.tag in _INLINE:
                walk(child)

    def run(element: Any) -> None:
        for child in element.iterchildren():
            tag = child.tag
            if tag == _T:
                out.append(child.text or "")
            elif tag in (_TAB, _PTAB, _CR):
                out.append(" ")
            elif tag == _BR:
                if child.get(qn("w:type")) == "page":
                    if not rendered:
                        out.append(None)
                else:
                    out.append(" ")  # a line break inside the paragraph
            elif tag == _RENDERED and rendered:
                out.append(None)
            elif tag == _NB_HYPHEN:
                out.append("-")

    walk(paragraph)
    return out


def _plain_text(paragraph: Any) -> str:
    return " ".join("".join(p for p in _pieces(paragraph, False) if p).split())


class _Walker:
    """Walks the body in order, keeping the heading path and the page."""

    def __init__(self, out: PassageCollector, styles: dict[str, _Style],
                 title_paragraph: Any, rendered: bool) -> None:
        self.out = out
        self.styles = styles
        self.title_paragraph = title_paragraph
        self.rendered = rendered
        self.page = 1
        self.stack: list[tuple[int, str]] = []
        self.seen_text = False
        self.contents = False  # a table of contents was left out
        out.move_to(None, 1)

    def section(self) -> str | None:
        return " > ".join(text for _, text in self.stack) or None

    def new_page(self, count: int = 1) -> None:
        self.page += count
        self.out.move_to(self.section(), self.page)

    def block(self, element: Any) -> None:
        if element.tag == _P:
            self.paragraph(element)
        elif element.tag == _TBL:
            self.table(element)
        elif element.tag == _SDT:
            gallery = element.find(f"{qn('w:sdtPr')}/{qn('w:docPartObj')}/"
                                   f"{qn('w:docPartGallery')}")
            if gallery is not None and "contents" in str(gallery.get(_VAL, "")).lower():
                self.contents = True
                self.skip_breaks(element)
                return
            content = element.find(_SDT_CONTENT)
            for child in content.iterchildren() if content is not None else ():
                self.block(child)
        elif element.tag == _CUSTOM_XML:
            for child in element.iterchildren():
                self.block(child)

    def skip_breaks(self, element: Any) -> None:
        """Count the pages of a part that is not imported (a table of contents)."""
        for paragraph in _paragraphs(element):
            self.paragraph(paragraph, count_only=True)

    def paragraph(self, element: Any, count_only: bool = False) -> None:
        """A heading, prose or list item; `count_only` just follows its page breaks."""
        properties = element.find(qn("w:pPr"))
        if (not self.rendered and self.seen_text and properties is not None
                and _on(properties.find(qn("w:pageBreakBefore")))):
            self.new_page()
        style = self.styles.get(_style_id(element), _NORMAL)
        pieces = _pieces(element, self.rendered)
        if style.contents or count_only:
            self.contents = self.contents or style.contents
            if None in pieces:
                self.new_page(pieces.count(None))
        elif style.level is not None:
            self.heading(element, style.level, pieces)
        else:
            listed = style.listed or (properties is not None and _numbered(properties))
            segment = ""
            for piece in pieces:
                if piece is None:
                    self.add(segment, listed)
                    segment = ""
                    self.new_page()
                else:
                    segment += piece
            self.add(segment, listed)
        section_break = properties.find(qn("w:sectPr")) if properties is not None else None
        if not self.rendered and section_break is not None:
            kind = section_break.find(qn("w:type"))
            if kind is None or kind.get(_VAL) != "continuous":
                self.new_page()

    def add(self, text: str, listed: bool) -> None:
        text = " ".join(text.split())
        if text:
            self.seen_text = True
            self.out.add(f"- {text}" if listed else text, listed)

    def heading(self, element: Any, level: int, pieces: list[str | None]) -> None:
        before = 0
        for piece in pieces:
            if piece is None:
                before += 1
            elif piece.strip():
                break
        if before:
            self.new_page(before)
        text = " ".join("".join(piece for piece in pieces if piece).split())
        if text and element is not self.title_paragraph:
            self.seen_text = True
            while self.stack and self.stack[-1][0] >= level:
                self.stack.pop()
            self.stack.append((level, text))
            self.out.move_to(self.section(), self.page)
        after = pieces.count(None) - before
        if after:
            self.new_page(after)

    def table(self, element: Any) -> None:
        rows: list[tuple[int, list[str | None]]] = []
        above: list[str] = []  # the row above, by grid column, for vertically merged cells
        for row in element.iterchildren(_TR):
            cells: list[str | None] = []
            properties = row.find(qn("w:trPr"))
            skip = properties.find(qn("w:gridBefore")) if properties is not None else None
            cells.extend([""] * int(skip.get(_VAL, "0")) if skip is not None else [])
            breaks = 0
            for cell in row.iterchildren(_TC):
                text, cell_breaks = self.cell(cell)
                breaks = max(breaks, cell_breaks)
                cell_properties = cell.find(qn("w:tcPr"))
                merge = span = None
                if cell_properties is not None:
                    merge = cell_properties.find(qn("w:vMerge"))
                    span = cell_properties.find(qn("w:gridSpan"))
                if merge is not None and merge.get(_VAL) != "restart":
                    column = len(cells)
                    text = above[column] if column < len(above) else ""
                cells.append(text)
                cells.extend([""] * (int(span.get(_VAL, "1")) - 1 if span is not None else 0))
            self.page += breaks
            above = [cell or "" for cell in cells]
            rows.append((self.page, cells))
        if not rows:
            return
        self.seen_text = True
        first = element.find(_TR)
        header = (_on(first.find(f"{qn('w:trPr')}/{qn('w:tblHeader')}"))
                  or _all_bold(first) or first_row_is_header(rows[0][1]))
        pages = sorted({page for page, _ in rows})
        for page in pages:
            group = [cells for row_page, cells in rows if row_page == page]
            if header and page != rows[0][0]:
                group = [rows[0][1], *group]
            self.out.move_to(self.section(), page)
            self.out.table(rows_as_lines(group, header))
        self.out.move_to(self.section(), self.page)

    def cell(self, element: Any) -> tuple[str, int]:
        """A cell's text on one line and the page breaks in it (a row that starts a page)."""
        texts: list[str] = []
        breaks = 0
        for paragraph in _paragraphs(element):
            pieces = _pieces(paragraph, self.rendered)
            breaks += pieces.count(None)
            texts.append("".join(piece for piece in pieces if piece))
        return " ".join(" ".join(texts).split()), breaks


def _numbered(properties: Any) -> bool:
    number = properties.find(f"{qn('w:numPr')}/{qn('w:numId')}")
    return number is not None and number.get(_VAL) not in (None, "0")


def _all_bold(row: Any) -> bool:
    """Whether every run with text in a table row is bold (a header row)."""
    runs = [run for run in row.iter(_R) if "".join(t.text or "" for t in run.iter(_T)).strip()]
    return bool(runs) and all(_on(run.find(f"{qn('w:rPr')}/{qn('w:b')}")) for run in runs)
