"""Read a bank's help page (saved HTML) into FAQ entries and passages.

A real help page is mostly not help: menus, cookie banners, footers, scripts. Those are dropped
first, by tag and by the id/class/role/aria-label that marks them, so no "Accept all cookies"
ends up as an answer. What remains is read in document order into blocks (headings, text,
question/answer pairs) and grouped under its headings by `group_blocks`, which the Markdown
reader shares: question/answer markup (FAQPage JSON-LD, <details>, <dl>, a heading ending in
"?") becomes `ImportedQuestion`, the rest `ImportedPassage` under its "Parent > Child" section.

Why this module is long: it also holds the block model and `group_blocks`, shared with
`markdown.py`, so both formats turn headings into sections the same way.
"""

from __future__ import annotations

import codecs
import json
import re
import warnings
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bs4 import BeautifulSoup, MarkupResemblesLocatorWarning, NavigableString, Tag
from bs4.element import PreformattedString

from bot.kb.importers.base import (
    Citation,
    ImportedPassage,
    ImportedQuestion,
    ReadResult,
    Skipped,
    UnreadableSource,
    clean_text,
    read_file_bytes,
)
from bot.kb.importers.table import humanise, table_lines

# ---------------------------------------------------------------------------------------------
# Blocks, and grouping them under headings (shared with the Markdown reader)


@dataclass(frozen=True)
class Heading:
    level: int
    text: str


@dataclass(frozen=True)
class Chunk:
    """A paragraph, a list ("- item" lines) or a table (one readable line per row)."""

    text: str


@dataclass(frozen=True)
class Pair:
    """A question with its answer found as such in the markup (<details>, <dl>, JSON-LD)."""

    question: str
    answer: str
    what: str  # the markup it came from, for the import report
    alternatives: tuple[str, ...] = ()


@dataclass(frozen=True)
class Drop:
    """Something that looks like content but is not imported (a code block)."""

    what: str
    why: str


Block = Heading | Chunk | Pair | Drop


def is_question(text: str) -> bool:
    return text.rstrip().endswith(("?", "？"))


@dataclass
class Grouped:
    questions: list[ImportedQuestion]
    passages: list[ImportedPassage]
    skipped: list[Skipped]


class _Sections:
    """Walks blocks in order, keeping the open headings, and collects what sits under each."""

    def __init__(self, document: str, file: str, url: str | None = None) -> None:
        self.document, self.file, self.url = document, file, url
        self.out = Grouped([], [], [])
        self.stack: list[tuple[int, str]] = []  # the open (non-question) headings
        self.label = document  # the section that text goes under; the title before any heading
        self.question: str | None = None  # set while under a heading that is a question
        self.question_section: str | None = None
        self.chunks: list[str] = []
        self.open: tuple[int, str] | None = None  # the heading of the open section
        self.filled = False  # the open section holds something (text or a question)
        self.maybe_empty: tuple[int, str] | None = None  # empty unless a sub-heading follows

    def citation(self, section: str | None) -> Citation:
        return Citation(document=self.document, file=self.file, section=section, url=self.url)

    def add(self, block: Block) -> None:
        if isinstance(block, Heading):
            self.heading(block)
        elif isinstance(block, Chunk):
            if block.text:
                self.chunks.append(block.text)
        elif isinstance(block, Pair):
            self.pair(block)
        else:
            where = self.question or self.label
            self.out.skipped.append(Skipped(f"{block.what} under '{where}'", block.why))

    def pair(self, pair: Pair) -> None:
        self.filled = True
        question, answer = clean_text(pair.question), clean_text(pair.answer)
        if not question or not answer:
            empty = "question" if not question else "answer"
            self.out.skipped.append(Skipped(
                f"{pair.what} '{question or answer[:60]}'", f"empty {empty}"))
            return
        section = self.stack[-1][1] if self.stack else None
        self.out.questions.append(ImportedQuestion(
            question=question, answer=answer, citation=self.citation(section),
            alternatives=pair.alternatives))

    def flush(self) -> None:
        text = clean_text("\n\n".join(self.chunks))
        self.chunks = []
        if self.question is not None:
            if text:
                self.out.questions.append(ImportedQuestion(
                    question=self.question, answer=text,
                    citation=self.citation(self.question_section)))
            else:
                self.out.skipped.append(Skipped(
                    f"question '{self.question}'", "empty answer: no text under the heading"))
        elif text:
            self.out.passages.append(ImportedPassage(text=text, citation=self.citation(self.label)))
        elif self.open is not None and not self.filled:
            self.maybe_empty = self.open

    def skip_empty(self) -> None:
        if self.maybe_empty is not None:
            self.out.skipped.append(Skipped(
                f"section '{self.maybe_empty[1]}'", "empty section: a heading with no text "
                "under it"))
            self.maybe_empty = None

    def heading(self, heading: Heading) -> None:
        self.flush()
        if self.maybe_empty is not None:
            if heading.level <= self.maybe_empty[0]:
                self.skip_empty()
            self.maybe_empty = None
        while self.stack and self.stack[-1][0] >= heading.level:
            self.stack.pop()
        if heading.level >= 2 and is_question(heading.text):
            self.question = heading.text
            self.question_section = self.stack[-1][1] if self.stack else None
            self.open = None
            self.filled = True  # a question is content of the section it sits in
            return
        self.question = None
        self.stack.append((heading.level, heading.text))
        self.label = " > ".join(text for level, text in self.stack if level >= 2) or heading.text
        self.open, self.filled = (heading.level, heading.text), False

    def finish(self) -> Grouped:
        self.flush()
        self.skip_empty()
        return self.out


def group_blocks(blocks: Iterable[Block], document: str, file: str,
                 url: str | None = None) -> Grouped:
    """Questions (a heading ending in "?" with what follows, or a `Pair`) and passages (the
    text under every other heading, cited as "Parent > Child"; text before the first heading
    goes under the document's title)."""
    sections = _Sections(document, file, url)
    for block in blocks:
        sections.add(block)
    return sections.finish()


def dedupe_questions(questions: list[ImportedQuestion]) -> tuple[list[ImportedQuestion], int]:
    """The first of questions worded alike (an FAQ's JSON-LD repeats the visible FAQ)."""
    seen: set[str] = set()
    kept: list[ImportedQuestion] = []
    for item in questions:
        key = " ".join(item.question.casefold().rstrip("?？ ").split())
        if key not in seen:
            seen.add(key)
            kept.append(item)
    return kept, len(questions) - len(kept)


# ---------------------------------------------------------------------------------------------
# HTML: decoding, boilerplate, blocks

_DROP_TAGS = {"nav", "aside", "script", "style", "noscript", "form", "iframe", "footer",
              "button", "svg", "template", "canvas", "select", "textarea", "input", "dialog",
              "object", "embed", "video", "audio"}
# Matched in each id and class token: cookie banners, menus, breadcrumbs, skip links, ...
_BOILERPLATE_NAME = re.compile(
    r"cookie|consent|gdpr|banner|breadcrumb|menu|navbar|sidebar|skip|newsletter|masthead"
    r"|(?:^|[_-])nav(?:$|[_-])|^(?:site|global)?[_-]?(?:header|footer)$",
    re.IGNORECASE)
_BOILERPLATE_LABEL = re.compile(
    r"\b(?:cookies?|consent|gdpr|breadcrumbs?|menu|navigation|skip|newsletter)\b",
    re.IGNORECASE)
_BOILERPLATE_ROLES = {"navigation", "banner", "contentinfo", "menu", "menubar", "search"}
# A layout or state class on a wrapper ("has-sidebar", "is-menu-open") says nothing of itself.
_STATE_PREFIXES = ("has-", "with-", "is-", "no-", "show-", "open-")
_KEEP_TAGS = {"html", "body", "main", "article"}

_HEADINGS = {f"h{level}": level for level in range(1, 7)}
_BLOCK_SET = {
    "address", "article", "aside", "blockquote", "body", "caption", "center", "dd", "details",
    "dialog", "div", "dl", "dt", "fieldset", "figcaption", "figure", "footer", "header", "hr",
    "html", "li", "main", "nav", "ol", "p", "pre", "section", "summary", "table", "tbody", "td",
    "tfoot", "th", "thead", "tr", "ul", *_HEADINGS}
_SPACES = re.compile(r"\s+")
_INVISIBLE = re.compile("[\u00ad\u200b\u200c\u200d\ufeff]")
_META_CHARSET = re.compile(rb"<meta[^>]+charset\s*=\s*[\"']?\s*([A-Za-z0-9_.:-]+)", re.I)
_XML_ENCODING = re.compile(rb"<\?xml[^>]+encoding\s*=\s*[\"']([A-Za-z0-9_.:-]+)", re.I)
# What browsers do: a page labelled Latin-1 or ASCII is read as Windows-1252, and a page that
# names UTF-16 in its own (ASCII-readable) text cannot be UTF-16.
_CHARSET_AS = {"iso-8859-1": "cp1252", "iso8859-1": "cp1252", "latin1": "cp1252",
               "latin-1": "cp1252", "us-ascii": "cp1252", "ascii": "cp1252",
               "utf-16": "utf-8", "utf-16le": "utf-8", "utf-16be": "utf-8"}

NO_CONTENT = ("no content found: the page holds only navigation, scripts or boilerplate. Import "
              "the page that holds the help text; if the page builds its text with JavaScript, "
              "open it in a browser and save it (Save Page As, complete HTML) after it has "
              "loaded")


def _decode(name: str, data: bytes) -> tuple[str, str | None]:
    """The page's text, and a note when it was not in the charset it declares."""
    if data.startswith(codecs.BOM_UTF8):
        return data[3:].decode("utf-8", "replace"), None
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16", "replace"), None
    head = data[:4096]
    match = _META_CHARSET.search(head) or _XML_ENCODING.search(head)
    problem = "not valid UTF-8"
    if match:
        declared = match.group(1).decode("ascii").lower()
        try:
            return data.decode(_CHARSET_AS.get(declared, declared)), None
        except LookupError:
            problem = f"declares an unknown charset '{declared}'"
        except UnicodeDecodeError:
            problem = f"not valid {declared}, the charset it declares"
    try:
        text = data.decode("utf-8")
        return text, (f"{name}: {problem}; read as UTF-8" if match else None)
    except UnicodeDecodeError:
        text = data.decode("utf-8", "replace")
    return text, (f"{name}: {problem}; read as UTF-8 with {text.count(chr(0xFFFD))} unreadable "
                  "characters replaced by '\ufffd'. Check accented letters, or save the page "
                  "as UTF-8 (or declare its charset in <meta charset>)")


def _attribute(tag: Tag, name: str) -> str:
    value = tag.get(name)
    if isinstance(value, list):
        return " ".join(value)
    return value or ""


def _is_boilerplate(tag: Tag) -> bool:
    if tag.name in _KEEP_TAGS:
        return False
    tokens = [_attribute(tag, "id"), *tag.get_attribute_list("class")]
    named = any(_BOILERPLATE_NAME.search(token) for token in tokens
                if token and not token.lower().startswith(_STATE_PREFIXES))
    marked = (named or _attribute(tag, "role").lower() in _BOILERPLATE_ROLES
              or bool(_BOILERPLATE_LABEL.search(_attribute(tag, "aria-label"))))
    # A wrapper around the whole page ("page-with-sidebar") is not boilerplate itself.
    return marked and tag.find(["main", "article"]) is None and tag.find(role="main") is None


def _is_dropped(tag: Tag) -> bool:
    if tag.name in _DROP_TAGS:
        return True
    if tag.name == "header":
        # A <header> inside an article or section holds that part's own heading.
        return tag.find_parent(["article", "main", "section"]) is None
    return _is_boilerplate(tag)


def _drop_boilerplate(soup: BeautifulSoup) -> None:
    # Decided on the whole tree first, then removed outermost first: a removed tag's
    # descendants are gone with it.
    dropped = [tag for tag in soup.find_all(True) if _is_dropped(tag)]
    ids = {id(tag) for tag in dropped}
    for tag in [t for t in dropped if not any(id(p) in ids for p in t.parents)]:
        tag.decompose()


def _inline(node: Any) -> str:
    if isinstance(node, PreformattedString):  # comments, doctypes, CDATA
        return ""
    if isinstance(node, NavigableString):
        return _SPACES.sub(" ", _INVISIBLE.sub("", str(node)))
    if not isinstance(node, Tag):
        return ""
    if node.name == "br":
        return "\n"
    text = "".join(_inline(child) for child in node.children)
    return f" {text} " if node.name in _BLOCK_SET else text


def _text(node: Any) -> str:
    return clean_text(_inline(node))


def _has_blocks(tag: Tag) -> bool:
    return tag.name in _BLOCK_SET or any(
        isinstance(node, Tag) and node.name in _BLOCK_SET for node in tag.descendants)


def _walk(element: Tag, out: list[Block]) -> None:
    """Append `element`'s content as blocks; loose text between blocks is a paragraph."""
    run: list[Any] = []
    for child in element.children:
        if isinstance(child, Tag) and _has_blocks(child):
            _paragraph(run, out)
            run = []
            _block(child, out)
        else:
            run.append(child)
    _paragraph(run, out)


def _paragraph(run: list[Any], out: list[Block]) -> None:
    text = clean_text("".join(_inline(node) for node in run))
    if text:
        out.append(Chunk(text))


def _blocks_text(element: Tag) -> str:
    blocks: list[Block] = []
    _walk(element, blocks)
    parts = [b.question + "\n\n" + b.answer if isinstance(b, Pair) else b.text
             for b in blocks if not isinstance(b, Drop)]
    return clean_text("\n\n".join(parts))


def _list_lines(tag: Tag) -> list[str]:
    ordered = tag.name == "ol"
    start = _attribute(tag, "start")
    number = int(start) if start.isdigit() else 1
    lines: list[str] = []
    for item in tag.find_all("li", recursive=False):
        own: list[str] = []
        nested: list[str] = []
        for child in item.children:
            if isinstance(child, Tag) and child.name in ("ul", "ol"):
                nested.extend(_list_lines(child))
            elif isinstance(child, Tag) and child.name == "table":
                nested.extend(_table_lines(child))
            else:
                own.append(_inline(child))
        text = " ".join(clean_text("".join(own)).split())
        if text:
            lines.append(f"{number}. {text}" if ordered else f"- {text}")
        number += 1
        lines.extend(nested)
    return lines


def _cells(row: Tag) -> list[str]:
    cells: list[str] = []
    for cell in row.find_all(["td", "th"], recursive=False):
        span = _attribute(cell, "colspan")
        cells.extend([_text(cell)] * (int(span) if span.isdigit() and 0 < int(span) < 50 else 1))
    return cells


def _table_lines(table: Tag) -> list[str]:
    rows = [row for row in table.find_all("tr") if row.find_parent("table") is table]
    in_head = [row for row in rows if row.parent is not None and row.parent.name == "thead"]
    header: list[str] = []
    if in_head:
        header = _cells(in_head[-1])
        head_ids = {id(row) for row in in_head}
        rows = [row for row in rows if id(row) not in head_ids]
    elif rows and all(c.name == "th" for c in rows[0].find_all(["td", "th"], recursive=False)):
        header, rows = _cells(rows[0]), rows[1:]
    caption = table.find("caption")
    lines = [_text(caption)] if caption is not None and _text(caption) else []
    return lines + table_lines(header, [_cells(row) for row in rows])


def _definition_pairs(dl: Tag, out: list[Block]) -> None:
    """<dt>question</dt><dd>answer</dd>; several <dt> in a row are wordings of one question,
    several <dd> one answer."""
    terms: list[str] = []
    answers: list[str] = []

    def close() -> None:
        if terms:
            out.append(Pair(terms[0], "\n\n".join(answers), "<dl> entry", tuple(terms[1:])))
        elif answers:
            out.append(Chunk("\n\n".join(answers)))

    for item in dl.find_all(["dt", "dd"]):
        if item.find_parent("dl") is not dl:
            continue
        if item.name == "dt":
            if answers:
                close()
                terms, answers = [], []
            if text := _text(item):
                terms.append(text)
        elif text := _blocks_text(item):
            answers.append(text)
    close()


def _block(tag: Tag, out: list[Block]) -> None:
    name = tag.name
    if name in _HEADINGS:
        if text := " ".join(_text(tag).split()):
            out.append(Heading(_HEADINGS[name], text))
    elif name in ("ul", "ol"):
        if lines := _list_lines(tag):
            out.append(Chunk("\n".join(lines)))
    elif name == "table":
        if lines := _table_lines(tag):
            out.append(Chunk("\n".join(lines)))
    elif name == "details" and (summary := tag.find("summary")) is not None:
        question = " ".join(_text(summary).split())
        summary.extract()
        out.append(Pair(question, _blocks_text(tag), "<details>"))
    elif name == "dl":
        _definition_pairs(tag, out)
    elif name == "pre":
        if tag.find("code") is not None:
            out.append(Drop("code block", "code is not help text; write it out as prose if "
                            "customers need it"))
        elif text := clean_text(tag.get_text()):
            out.append(Chunk(text))
    elif name != "hr":
        _walk(tag, out)


# ---------------------------------------------------------------------------------------------
# JSON-LD (schema.org FAQPage)


def fragment_text(value: object) -> str:
    """Text of an answer that may hold HTML ("<p>Call us on ...</p>")."""
    if not isinstance(value, str):
        return ""
    if "<" not in value and "&" not in value:
        return clean_text(value)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MarkupResemblesLocatorWarning)
        soup = BeautifulSoup(value, "lxml")
    return _blocks_text(soup.body or soup)


def _types(node: dict[str, Any]) -> list[str]:
    kind = node.get("@type")
    values = kind if isinstance(kind, list) else [kind]
    return [v for v in values if isinstance(v, str)]


def _nodes(data: object) -> Iterator[dict[str, Any]]:
    if isinstance(data, list):
        for item in data:
            yield from _nodes(item)
    elif isinstance(data, dict):
        if "@type" in data:
            yield data
        if "@graph" in data:
            yield from _nodes(data["@graph"])


def _as_list(value: object) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _faq_pairs(node: dict[str, Any]) -> list[Pair]:
    pairs: list[Pair] = []
    for entity in _as_list(node.get("mainEntity")):
        if not isinstance(entity, dict):
            continue
        answers = [a for a in _as_list(entity.get("acceptedAnswer") or
                                       entity.get("suggestedAnswer")) if a]
        answer = answers[0] if answers else ""
        text = answer.get("text") if isinstance(answer, dict) else answer
        question = " ".join(fragment_text(entity.get("name") or entity.get("text")).split())
        pairs.append(Pair(question, fragment_text(text), "FAQPage structured data"))
    return pairs


def _json_ld(soup: BeautifulSoup, skipped: list[Skipped]) -> list[Pair]:
    """Questions of every FAQPage block; the blocks are removed (read before the scripts)."""
    pairs: list[Pair] = []
    for script in soup.find_all("script"):
        kind = _attribute(script, "type").split(";")[0].strip().lower()
        if kind != "application/ld+json":
            continue
        raw = script.get_text()
        script.decompose()
        try:
            data = json.loads(raw, strict=False)
        except json.JSONDecodeError as exc:
            skipped.append(Skipped("JSON-LD block", f"not valid JSON ({exc.msg}, line "
                                   f"{exc.lineno}); questions in it, if any, were not read"))
            continue
        others: list[str] = []
        for node in _nodes(data):
            types = _types(node)
            if "FAQPage" in types or "QAPage" in types:
                pairs.extend(_faq_pairs(node))
            else:
                others.extend(types or ["no @type"])
        if others:
            skipped.append(Skipped(
                f"JSON-LD structured data ({', '.join(dict.fromkeys(others))})",
                "not an FAQPage; only questions and answers are read from structured data"))
    return pairs


# ---------------------------------------------------------------------------------------------


def _canonical(soup: BeautifulSoup) -> str | None:
    for link in soup.find_all("link"):
        rel = [value.lower() for value in link.get_attribute_list("rel")]
        if "canonical" in rel and (href := _attribute(link, "href").strip()):
            return href
    meta = soup.find("meta", attrs={"property": "og:url"})
    if meta is not None and (url := _attribute(meta, "content").strip()):
        return url
    return None


def _content_root(soup: BeautifulSoup) -> Tag:
    """<main>, else the one <article>, else the whole body: where the help text is."""
    main = soup.find("main") or soup.find(role="main")
    if main is not None and _text(main):
        return main
    articles = soup.find_all("article")
    if len(articles) == 1 and _text(articles[0]):
        return articles[0]
    return soup.body or soup


def read_html(path: Path) -> ReadResult:
    """Read a saved help page: its FAQ as questions, its other sections as passages."""
    name = path.name
    text, note = _decode(name, read_file_bytes(path))
    soup = BeautifulSoup(text, "lxml")
    skipped: list[Skipped] = []
    faq = _json_ld(soup, skipped)
    title_tag = soup.find("title")
    title = " ".join(_text(title_tag).split()) if title_tag is not None else ""
    canonical = _canonical(soup)
    _drop_boilerplate(soup)
    root = _content_root(soup)
    if not title:
        heading = root.find("h1") or soup.find("h1")
        title = " ".join(_text(heading).split()) if heading is not None else humanise(path.stem)
    blocks: list[Block] = list(faq)
    _walk(root, blocks)
    grouped = group_blocks(blocks, document=title, file=name, url=canonical)
    questions, repeated = dedupe_questions(grouped.questions)
    if not (questions or grouped.passages):
        raise UnreadableSource(name, NO_CONTENT)
    result = ReadResult(source=name, title=title, questions=questions,
                        passages=grouped.passages, skipped=skipped + grouped.skipped)
    if note:
        result.notes.append(note)
    if repeated:
        result.notes.append(f"{name}: {repeated} question(s) appear both in the FAQ structured "
                            "data and on the page; each is imported once")
    return result
