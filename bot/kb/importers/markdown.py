"""Read a Markdown help document into FAQ entries and passages.

The file is parsed with markdown-it-py (CommonMark plus tables), never with regular
expressions, so emphasis, links, escapes and lists come out as plain text the way a reader
sees them. Its blocks are grouped by `group_blocks`, the same as an HTML page's: a heading that
ends in "?" is a question answered by what follows it, other headings are passages cited as
"Parent > Child". Code blocks are not help text and are listed in `skipped`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import yaml
from markdown_it import MarkdownIt
from markdown_it.token import Token

from bot.kb.importers.base import ReadResult, UnreadableSource, clean_text, read_file_bytes
from bot.kb.importers.html import Block, Chunk, Drop, Heading, fragment_text, group_blocks
from bot.kb.importers.table import humanise, table_lines

_LIST_OPEN = ("bullet_list_open", "ordered_list_open")
_LIST_CLOSE = ("bullet_list_close", "ordered_list_close")
_CODE = ("fence", "code_block")
_BR = re.compile(r"<br\s*/?>", re.IGNORECASE)
CODE_WHY = "code is not help text; write it out as prose if customers need it"


def _parser() -> MarkdownIt:
    return MarkdownIt("commonmark").enable("table")


def _inline(token: Token) -> str:
    parts: list[str] = []
    for child in token.children or []:
        if child.type in ("text", "code_inline", "text_special"):
            parts.append(child.content)
        elif child.type == "softbreak":
            parts.append(" ")
        elif child.type == "hardbreak" or (child.type == "html_inline"
                                           and _BR.fullmatch(child.content.strip())):
            parts.append("\n")
    return clean_text("".join(parts))


def _close(tokens: Sequence[Token], start: int) -> int:
    """The index of the token that closes `tokens[start]`."""
    opening = tokens[start]
    closing = opening.type.removesuffix("_open") + "_close"
    for index in range(start + 1, len(tokens)):
        if tokens[index].type == closing and tokens[index].level == opening.level:
            return index
    return len(tokens) - 1


def _code_drop(token: Token) -> Drop:
    language = token.info.strip().split(" ")[0] if token.type == "fence" else ""
    lines = token.content.rstrip("\n").count("\n") + 1
    kind = f"{language} code block" if language else "code block"
    return Drop(f"{kind} ({lines} line{'s' if lines != 1 else ''})", CODE_WHY)


def _list(tokens: Sequence[Token]) -> tuple[list[str], list[Drop]]:
    """'- item' lines ('1. step' in an ordered list); nested items follow their parent."""
    items: list[list[str]] = []  # per item: its marker, then its text
    open_items: list[int] = []
    ordered: list[bool] = []
    drops: list[Drop] = []
    for token in tokens:
        if token.type in _LIST_OPEN:
            ordered.append(token.type == "ordered_list_open")
        elif token.type in _LIST_CLOSE:
            ordered.pop()
        elif token.type == "list_item_open":
            marker = f"{token.info}." if ordered and ordered[-1] and token.info else "-"
            items.append([marker])
            open_items.append(len(items) - 1)
        elif token.type == "list_item_close":
            open_items.pop()
        elif token.type in _CODE:
            drops.append(_code_drop(token))
        elif open_items and token.type in ("inline", "html_block"):
            text = _inline(token) if token.type == "inline" else fragment_text(token.content)
            items[open_items[-1]].append(text)
    lines = [f"{item[0]} {' '.join(' '.join(item[1:]).split())}" for item in items
             if any(part.strip() for part in item[1:])]
    return lines, drops


def _table(tokens: Sequence[Token]) -> list[str]:
    header: list[str] = []
    rows: list[list[str]] = []
    in_head = False
    for token in tokens:
        if token.type == "thead_open":
            in_head = True
        elif token.type == "thead_close":
            in_head = False
        elif token.type == "tr_open":
            if in_head:
                header = []
            else:
                rows.append([])
        elif token.type == "inline":
            (header if in_head else rows[-1] if rows else header).append(_inline(token))
    return table_lines(header, rows)


def markdown_blocks(text: str) -> list[Block]:
    """The document's headings, paragraphs, lists, tables and code blocks, in order."""
    tokens = _parser().parse(text)
    blocks: list[Block] = []
    index = 0
    while index < len(tokens):
        token = tokens[index]
        if token.type == "heading_open":
            end = _close(tokens, index)
            heading = " ".join(_inline(tokens[index + 1]).split()) if end > index + 1 else ""
            if heading:
                blocks.append(Heading(int(token.tag[1:]), heading))
            index = end
        elif token.type == "paragraph_open":
            end = _close(tokens, index)
            blocks.append(Chunk(_inline(tokens[index + 1]) if end > index + 1 else ""))
            index = end
        elif token.type in _LIST_OPEN:
            end = _close(tokens, index)
            lines, drops = _list(tokens[index:end + 1])
            if lines:
                blocks.append(Chunk("\n".join(lines)))
            blocks.extend(drops)
            index = end
        elif token.type == "table_open":
            end = _close(tokens, index)
            if lines := _table(tokens[index:end + 1]):
                blocks.append(Chunk("\n".join(lines)))
            index = end
        elif token.type in _CODE:
            blocks.append(_code_drop(token))
        elif token.type == "html_block" and (html := fragment_text(token.content)):
            blocks.append(Chunk(html))
        index += 1
    return blocks


def _front_matter(text: str) -> tuple[dict[str, object], str, str | None]:
    """The YAML between leading '---' lines, the rest of the text, and a problem if any."""
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        return {}, text, None
    for index in range(1, len(lines)):
        if lines[index].strip() in ("---", "..."):
            raw, body = "\n".join(lines[1:index]), "\n".join(lines[index + 1:])
            try:
                data = yaml.safe_load(raw)
            except yaml.YAMLError as exc:
                mark = getattr(exc, "problem_mark", None)
                where = f" (line {mark.line + 2})" if mark is not None else ""
                return {}, body, (f"the front matter is not valid YAML{where}; its title was "
                                  "not read, fix the YAML between the '---' lines")
            return (data if isinstance(data, dict) else {}), body, None
    return {}, text, None  # no closing line: the '---' is a horizontal rule


def _decode(name: str, data: bytes) -> tuple[str, str | None]:
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError:
        return data.decode("cp1252", "replace"), (
            f"{name}: not UTF-8; read as Windows-1252 (cp1252), check accented letters and "
            "symbols (save the file as UTF-8 to be sure)")


def read_markdown(path: Path) -> ReadResult:
    """Read a Markdown file: question headings as FAQ entries, other sections as passages."""
    name = path.name
    text, note = _decode(name, read_file_bytes(path))
    meta, body, problem = _front_matter(text.replace("\r\n", "\n").replace("\r", "\n"))
    blocks = markdown_blocks(body)
    title = str(meta.get("title") or "").strip()
    if not title:
        first = next((b for b in blocks if isinstance(b, Heading) and b.level == 1), None)
        title = first.text if first is not None else humanise(path.stem)
    grouped = group_blocks(blocks, document=title, file=name)
    if not (grouped.questions or grouped.passages):
        raise UnreadableSource(name, "no text found: the file holds no paragraphs, lists or "
                               "tables outside code blocks; check that it is the right file")
    result = ReadResult(source=name, title=title, questions=grouped.questions,
                        passages=grouped.passages, skipped=grouped.skipped)
    if note:
        result.notes.append(note)
    if problem:
        result.notes.append(f"{name}: {problem}")
    return result
