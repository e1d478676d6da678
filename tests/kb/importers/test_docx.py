"""The Word reader on documents made here with python-docx: nested headings, lists, tables as
readable rows in document order, pages from breaks, and the files it must refuse."""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

import docx
import pytest
from docx.enum.section import WD_SECTION
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_BREAK
from docx.oxml import OxmlElement
from docx.text.paragraph import Paragraph

from bot.kb.importers.base import ImportedPassage, ReadResult, UnreadableSource
from bot.kb.importers.docx import read_docx

OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504


def _table(document: docx.document.Document, rows: list[list[str]]) -> None:
    table = document.add_table(rows=len(rows), cols=len(rows[0]))
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            table.cell(r, c).text = value


def _rendered_break(paragraph: Paragraph) -> None:
    """Mark where Word began a new page when it last laid the document out."""
    paragraph.add_run().element.append(OxmlElement("w:lastRenderedPageBreak"))


def _fee_guide(path: Path) -> None:
    document = docx.Document()
    document.add_heading("Fee guide 2026", 0)
    document.add_paragraph("Read this before you open an account.")
    document.add_heading("Accounts", 1)
    document.add_paragraph("The current account is free when your salary is paid into it.")
    document.add_paragraph("Opening the account is free", style="List Bullet")
    document.add_paragraph("Closing the account is free", style="List Bullet")
    document.add_paragraph("Statements are sent every month.")
    document.add_heading("Cards", 2)
    paragraph = document.add_paragraph("A debit card comes with every account.")
    paragraph.add_run().add_break(WD_BREAK.PAGE)
    paragraph.add_run("A credit card needs a credit check.")
    document.add_heading("Payments", 1)
    document.add_paragraph("Fees for payments:")
    _table(document, [["Service", "Fee"],
                      ["International transfer in USD", "EUR 4 per payment"],
                      ["SEPA transfer", "free"]])
    document.add_paragraph("Fees are charged at the end of the month.")
    document.add_page_break()
    document.add_heading("Savings", 1)
    document.add_paragraph("Interest is paid every quarter.")
    moved = document.add_paragraph("Notice periods follow.")
    moved.paragraph_format.page_break_before = True
    _table(document, [["Account", "Rate", "Notice"], ["Easy saver", "1.5%", "none"],
                      ["Fixed saver", "2.5%", "3 months"]])
    document.add_section(WD_SECTION.NEW_PAGE)
    document.add_heading("Contact", 1)
    document.add_paragraph("Call us day and night.")
    document.save(str(path))


def _rendered(path: Path) -> None:
    """Word's page marks: one at a page's start, one in mid-paragraph, one in a table row. An
    explicit break is then not counted again."""
    document = docx.Document()
    document.core_properties.title = "Card terms"
    document.add_heading("Using the card", 1)
    paragraph = document.add_paragraph("The card works in shops")
    _rendered_break(paragraph)
    paragraph.add_run(" and at cash machines.")
    document.add_heading("Lost cards", 1)
    document.add_paragraph("Block the card in the app.").add_run().add_break(WD_BREAK.PAGE)
    document.add_paragraph("We send a new one.")
    table = document.add_table(rows=4, cols=3)
    for r, row in enumerate([["Card", "Type", "Fee"], ["Debit", "replacement", "EUR 10"],
                             ["", "express", "EUR 25"], ["Credit", "replacement", "free"]]):
        for c, value in enumerate(row):
            table.cell(r, c).text = value
    table.cell(1, 0).merge(table.cell(2, 0))  # "Debit" spans two rows
    _rendered_break(table.cell(3, 0).paragraphs[0])
    page_three = document.add_paragraph()
    _rendered_break(page_three)
    page_three.add_run("Last words.")
    document.save(str(path))


def _styled(path: Path) -> None:
    """A table of contents, a custom heading style, a link, a tracked deletion, a text box."""
    document = docx.Document()
    document.styles.add_style("TOC 1", WD_STYLE_TYPE.PARAGRAPH)
    custom = document.styles.add_style("Bank Heading", WD_STYLE_TYPE.PARAGRAPH)
    custom.base_style = document.styles["Heading 2"]
    document.add_paragraph("Help\t1", style="TOC 1")
    document.add_heading("Help", 1)
    document.add_paragraph("Contact us", style="Bank Heading")
    paragraph = document.add_paragraph("Use ")
    element = paragraph.add_run("the chat in ").element.getparent()
    element.append(_xml_run("our app", container="w:hyperlink"))
    element.append(_xml_run("not this", container="w:del", tag="w:delText"))
    paragraph.add_run(" or call.").add_break()
    paragraph.add_run("We answer\tday and night.")
    box = paragraph.add_run().element
    box.append(_xml_run("Text box text", container="w:txbxContent", tag="w:t"))
    document.save(str(path))


def _xml_run(text: str, container: str, tag: str = "w:t") -> Any:
    outer, run, leaf = OxmlElement(container), OxmlElement("w:r"), OxmlElement(tag)
    leaf.text = text
    run.append(leaf)
    outer.append(run)
    return outer


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("docx")
    paths = {name: folder / f"{name}.docx" for name in (
        "fees", "rendered", "savings_rates-2026", "empty", "damaged", "locked", "old",
        "no_word", "styled")}
    _fee_guide(paths["fees"])
    _styled(paths["styled"])
    _rendered(paths["rendered"])
    plain = docx.Document()
    plain.add_paragraph("Rates change on the first of each month.")
    bold_header = plain.add_table(rows=2, cols=2)
    for c, value in enumerate(["Term 1", "Rate 2026"]):
        bold_header.cell(0, c).paragraphs[0].add_run(value).bold = True
    bold_header.cell(1, 0).text, bold_header.cell(1, 1).text = "12 months", "2.1%"
    plain.save(str(paths["savings_rates-2026"]))
    docx.Document().save(str(paths["empty"]))
    data = paths["fees"].read_bytes()
    paths["damaged"].write_bytes(data[: len(data) // 2])
    paths["locked"].write_bytes(OLE + "EncryptionInfo".encode("utf-16-le")
                                + "EncryptedPackage".encode("utf-16-le"))
    paths["old"].write_bytes(OLE + "WordDocument".encode("utf-16-le"))
    with zipfile.ZipFile(paths["no_word"], "w") as archive:
        archive.writestr("hello.txt", "not a Word document")
    return paths


@pytest.fixture(scope="module")
def fees(files: dict[str, Path]) -> ReadResult:
    return read_docx(files["fees"])


def _in(result: ReadResult, section: str | None, page: int | None = None
        ) -> list[ImportedPassage]:
    return [p for p in result.passages if p.citation.section == section
            and (page is None or p.citation.page == page)]


def _refusal(path: Path) -> str:
    with pytest.raises(UnreadableSource) as caught:
        read_docx(path)
    assert caught.value.source == path.name
    assert str(caught.value).startswith(f"{path.name}: ")
    return caught.value.problem


def test_title_paragraph_names_the_document_and_is_no_section(fees: ReadResult) -> None:
    assert fees.title == "Fee guide 2026"
    assert {p.citation.file for p in fees.passages} == {"fees.docx"}
    assert {p.citation.document for p in fees.passages} == {"Fee guide 2026"}
    [intro] = _in(fees, None)
    assert intro.text == "Read this before you open an account."
    assert intro.citation.page == 1


def test_headings_nest_and_pages_follow_the_breaks(fees: ReadResult) -> None:
    assert [(p.citation.section, p.citation.page) for p in fees.passages] == [
        (None, 1), ("Accounts", 1), ("Accounts > Cards", 1), ("Accounts > Cards", 2),
        ("Payments", 2), ("Payments", 2), ("Payments", 2),  # text, table, text
        ("Savings", 3), ("Savings", 4), ("Savings", 4), ("Contact", 5)]


def test_prose_and_lists(fees: ReadResult) -> None:
    [accounts] = _in(fees, "Accounts")
    assert accounts.text == (
        "The current account is free when your salary is paid into it.\n\n"
        "- Opening the account is free\n- Closing the account is free\n\n"
        "Statements are sent every month.")
    [first, second] = _in(fees, "Accounts > Cards")
    assert first.text == "A debit card comes with every account."
    assert second.text == "A credit card needs a credit check."


def test_tables_are_passages_in_document_order(fees: ReadResult) -> None:
    before, table, after = _in(fees, "Payments")
    assert before.text == "Fees for payments:"
    assert table.text == ("International transfer in USD: EUR 4 per payment\n"
                          "SEPA transfer: free")
    assert after.text == "Fees are charged at the end of the month."
    savings_table = _in(fees, "Savings", page=4)[1]
    assert savings_table.text == ("Easy saver - Rate: 1.5%; Notice: none\n"
                                  "Fixed saver - Rate: 2.5%; Notice: 3 months")


def test_explicit_breaks_are_noted(fees: ReadResult) -> None:
    assert any("page breaks" in note for note in fees.notes)


def test_word_page_marks_win_over_explicit_breaks(files: dict[str, Path]) -> None:
    result = read_docx(files["rendered"])
    assert result.title == "Card terms"  # from the core properties
    assert result.notes == []
    assert [(p.citation.section, p.citation.page, p.text) for p in result.passages] == [
        ("Using the card", 1, "The card works in shops"),
        ("Using the card", 2, "and at cash machines."),
        ("Lost cards", 2, "Block the card in the app.\n\nWe send a new one."),
        ("Lost cards", 2, "Debit - Type: replacement; Fee: EUR 10\n"
                          "Debit - Type: express; Fee: EUR 25"),
        ("Lost cards", 3, "Credit - Type: replacement; Fee: free"),
        ("Lost cards", 4, "Last words.")]


def test_styles_links_revisions_and_contents(files: dict[str, Path]) -> None:
    result = read_docx(files["styled"])
    assert result.title == "Help"  # the first Heading 1, with no Title paragraph
    assert [(p.citation.section, p.text) for p in result.passages] == [
        ("Help > Contact us", "Use the chat in our app or call. We answer day and night.")]
    assert "left out the table of contents" in result.notes
    assert [s.what for s in result.skipped] == ["text boxes"]


def test_no_title_falls_back_to_the_file_name_and_bold_rows_are_headers(
        files: dict[str, Path]) -> None:
    result = read_docx(files["savings_rates-2026"])
    assert result.title == "Savings rates 2026"
    assert [p.text for p in result.passages] == ["Rates change on the first of each month.",
                                                 "12 months: 2.1%"]


def test_an_empty_document_is_refused(files: dict[str, Path]) -> None:
    assert _refusal(files["empty"]).startswith("no text found")


@pytest.mark.parametrize("name", ["damaged", "no_word"])
def test_a_damaged_file_is_refused(files: dict[str, Path], name: str) -> None:
    assert _refusal(files[name]).startswith(
        "not a readable Word .docx file (damaged, or an old .doc: save it as .docx): ")


def test_an_encrypted_file_is_refused(files: dict[str, Path]) -> None:
    assert _refusal(files["locked"]).startswith(
        "the Word file is encrypted (password protected); save a copy without the password")


def test_an_old_doc_file_is_refused(files: dict[str, Path]) -> None:
    assert "old Word .doc file; open it in Word and save it as .docx" in _refusal(files["old"])


def test_a_text_file_with_a_docx_name_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "notes.docx"
    path.write_text("plain text")
    assert "File is not a zip file" in _refusal(path)
