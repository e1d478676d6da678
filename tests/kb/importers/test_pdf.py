"""The PDF reader on PDFs made here with fpdf2: sections by font, pages, tables as readable
rows, page headers/footers dropped, hyphenation undone, and the files it must refuse."""

from __future__ import annotations

from pathlib import Path

import pytest
from fpdf import FPDF
from fpdf.enums import TableHeadingsDisplay
from PIL import Image

from bot.kb.importers import base
from bot.kb.importers.base import ImportedPassage, ReadResult, UnreadableSource
from bot.kb.importers.pdf import read_pdf, rows_as_lines

HEADER = "Acme Bank - Fee schedule 2026"
LEAD = ("This guide explains how our mortgages work, what they cost and what happens when you "
        "want to repay early or move home.")
LONG = ("The current account has no monthly fee when your salary of at least EUR 1,000 is "
        "paid into it every month; otherwise the fee is EUR 5 per month, charged on the first "
        "working day of the following month. ") * 3


class _FeePdf(FPDF):
    """A bank document with a running header and "Page n of m" footer on every page."""

    def header(self) -> None:
        self.set_font("Helvetica", "", 8)
        self.cell(0, 6, HEADER, new_x="LMARGIN", new_y="NEXT")
        self.ln(4)

    def footer(self) -> None:
        self.set_y(-15)
        self.set_font("Helvetica", "", 8)
        self.cell(0, 10, f"Page {self.page_no()} of {{nb}}", align="C")


def _heading(pdf: FPDF, text: str, size: int = 14) -> None:
    pdf.set_font("Helvetica", "B", size)
    pdf.cell(0, 10, text, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 11)


def _line(pdf: FPDF, text: str) -> None:
    pdf.cell(0, 6, text, new_x="LMARGIN", new_y="NEXT")


def _fee_schedule(path: Path) -> None:
    pdf = _FeePdf()
    pdf.add_page()
    _heading(pdf, "Fee schedule 2026", size=20)
    _heading(pdf, "1. Accounts")
    pdf.multi_cell(0, 6, LONG, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(5)
    _line(pdf, "The fee is waived when the payment sched-")
    _line(pdf, "ule shows a salary in the month.")
    pdf.ln(5)
    _heading(pdf, "Overdrafts", size=11)
    pdf.multi_cell(0, 6, "An arranged overdraft costs 9.9% a year on the amount used.",
                   new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    _heading(pdf, "2. Payments")
    pdf.multi_cell(0, 6, "Payments in euro within the EU are free of charge.",
                   new_x="LMARGIN", new_y="NEXT")
    pdf.add_page()
    pdf.multi_cell(0, 6, "Instant payments arrive within ten seconds, day and night.",
                   new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    _heading(pdf, "3. Fees")
    fee_rows = (("Service", "Fee"),
                ("International transfer in USD", "EUR 4 per payment"),
                ("Cash withdrawal at an ATM of another bank outside the euro area", "EUR 5"),
                ("SEPA transfer", "free"))
    with pdf.table(col_widths=(60, 40)) as table:
        for row in fee_rows:
            table.row(row)
    pdf.ln(4)
    _heading(pdf, "4. Cards")
    card_rows = (("Card", "Annual fee", "Replacement"), ("Classic", "EUR 0", "EUR 10"),
                 ("Gold", "EUR 90", "free"))
    with pdf.table() as table:
        for card in card_rows:
            table.row(card)
    pdf.add_page()
    _heading(pdf, "5. Contact")
    pdf.multi_cell(0, 6, "You can reach us in three ways:", new_x="LMARGIN", new_y="NEXT")
    for item in ("- Phone: +49 30 1234 5678, day and night", "- Chat in the app",
                 "- Any branch, Monday to Friday"):
        _line(pdf, item)
    pdf.output(str(path))


def _guide(path: Path) -> None:
    """A lead paragraph in a bigger font, a heading wrapped over two lines and a table that
    goes on over a page without repeating its header."""
    pdf = FPDF()
    pdf.add_page()
    _heading(pdf, "Mortgage guide", size=20)
    pdf.set_font("Helvetica", "", 13)
    pdf.multi_cell(0, 7, LEAD, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_font("Helvetica", "B", 14)
    pdf.multi_cell(90, 8, "Important information about early repayment charges",
                   new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 11)
    pdf.multi_cell(0, 6, "You can repay up to 10% a year without a charge.",
                   new_x="LMARGIN", new_y="NEXT")
    with pdf.table(repeat_headings=TableHeadingsDisplay.NONE) as table:
        table.row(("Loan", "Rate"))
        for number in range(1, 51):
            table.row((f"Loan {number}", f"{number}.5%"))
    pdf.output(str(path))


def _plain(path: Path, title: str | None, pages: list[str | None]) -> None:
    """One line of body text per page; None makes a blank page."""
    pdf = FPDF()
    if title:
        pdf.set_title(title)
    for text in pages:
        pdf.add_page()
        if text:
            pdf.set_font("Helvetica", "", 11)
            pdf.multi_cell(0, 6, text)
    pdf.output(str(path))


def _with_images(path: Path, png: Path, text_pages: set[int], pages: int) -> None:
    """Pages that show only a picture, as a scanner makes them, except `text_pages`."""
    pdf = FPDF()
    for number in range(1, pages + 1):
        pdf.add_page()
        if number in text_pages:
            pdf.set_font("Helvetica", "", 11)
            pdf.multi_cell(0, 6, "Savings terms." if number == 1 else "Signed by the bank.")
        else:
            pdf.image(str(png), x=10, y=10, w=190)
    pdf.output(str(path))


@pytest.fixture(scope="module")
def pdfs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("pdfs")
    png = folder / "scan.png"
    Image.new("RGB", (300, 400), "white").save(png)
    files = {name: folder / f"{name}.pdf" for name in (
        "fees", "titled", "card_terms-v2", "locked", "scan", "mixed", "long_table", "guide")}
    _fee_schedule(files["fees"])
    _guide(files["guide"])
    _plain(files["titled"], "Savings terms 2026", ["Interest is paid every quarter.", None,
                                                   "Notice period is three months."])
    _plain(files["card_terms-v2"], None, ["A replacement card arrives within five days."])
    locked = FPDF()
    locked.set_encryption(owner_password="o", user_password="u")
    locked.add_page()
    locked.set_font("Helvetica", "", 11)
    locked.cell(0, 10, "Secret fee schedule")
    locked.output(str(files["locked"]))
    _with_images(files["scan"], png, text_pages=set(), pages=2)
    _with_images(files["mixed"], png, text_pages={1, 4}, pages=4)
    long_table = FPDF()
    long_table.add_page()
    long_table.set_font("Helvetica", "", 11)
    with long_table.table() as table:
        table.row(("Branch", "Opening hours"))
        for number in range(1, 61):
            table.row((f"Branch {number}", f"Monday to Friday, 9:00 to {number % 9 + 12}:00"))
    long_table.output(str(files["long_table"]))
    files["not_a_pdf"] = folder / "notes.pdf"
    files["not_a_pdf"].write_bytes(b"This is a text file with a .pdf name.\n")
    files["truncated"] = folder / "truncated.pdf"
    data = files["fees"].read_bytes()
    files["truncated"].write_bytes(data[: len(data) // 3])
    return files


@pytest.fixture(scope="module")
def fees(pdfs: dict[str, Path]) -> ReadResult:
    return read_pdf(pdfs["fees"])


def _in(result: ReadResult, section: str, page: int | None = None) -> list[ImportedPassage]:
    return [p for p in result.passages if p.citation.section == section
            and (page is None or p.citation.page == page)]


def _refusal(path: Path) -> str:
    with pytest.raises(UnreadableSource) as caught:
        read_pdf(path)
    assert caught.value.source == path.name
    assert str(caught.value).startswith(f"{path.name}: ")
    return caught.value.problem


def test_title_is_the_big_first_line_and_citations_name_the_file(fees: ReadResult) -> None:
    assert fees.title == "Fee schedule 2026"
    assert fees.source == "fees.pdf"
    assert {p.citation.file for p in fees.passages} == {"fees.pdf"}
    assert {p.citation.document for p in fees.passages} == {"Fee schedule 2026"}
    assert all(p.citation.section != "Fee schedule 2026" for p in fees.passages)


def test_sections_come_from_bigger_or_bold_headings_and_nest(fees: ReadResult) -> None:
    sections = [(p.citation.section, p.citation.page) for p in fees.passages]
    assert sections == [
        ("1. Accounts", 1), ("1. Accounts > Overdrafts", 1), ("2. Payments", 1),
        ("2. Payments", 2), ("3. Fees", 2), ("4. Cards", 2), ("5. Contact", 3)]


def test_wrapped_lines_become_one_paragraph_and_hyphenation_is_undone(fees: ReadResult) -> None:
    [accounts] = _in(fees, "1. Accounts")
    paragraphs = accounts.text.split("\n\n")
    assert paragraphs == [" ".join(LONG.split()),
                          "The fee is waived when the payment schedule shows a salary in "
                          "the month."]


def test_a_section_going_on_over_a_page_break_is_a_passage_per_page(fees: ReadResult) -> None:
    [first] = _in(fees, "2. Payments", page=1)
    [second] = _in(fees, "2. Payments", page=2)
    assert first.text == "Payments in euro within the EU are free of charge."
    assert second.text == "Instant payments arrive within ten seconds, day and night."


def test_page_headers_footers_and_numbers_are_left_out(fees: ReadResult) -> None:
    text = "\n".join(p.text for p in fees.passages)
    assert "Acme Bank" not in text
    assert "Page " not in text and " of 3" not in text
    assert any(HEADER in note for note in fees.notes)


def test_a_table_is_its_own_passage_with_one_readable_line_per_row(fees: ReadResult) -> None:
    [table] = _in(fees, "3. Fees", page=2)
    assert table.text.split("\n") == [
        "International transfer in USD: EUR 4 per payment",
        "Cash withdrawal at an ATM of another bank outside the euro area: EUR 5",
        "SEPA transfer: free"]
    [cards] = _in(fees, "4. Cards", page=2)
    assert cards.text.split("\n") == ["Classic - Annual fee: EUR 0; Replacement: EUR 10",
                                      "Gold - Annual fee: EUR 90; Replacement: free"]
    everything = "\n".join(p.text for p in fees.passages)
    assert everything.count("SEPA transfer") == 1  # not also read as prose
    assert "Service" not in everything  # the header row labels, it is no row of its own


def test_list_items_stay_one_per_line(fees: ReadResult) -> None:
    [contact] = _in(fees, "5. Contact")
    assert contact.text == ("You can reach us in three ways:\n\n"
                            "- Phone: +49 30 1234 5678, day and night\n"
                            "- Chat in the app\n"
                            "- Any branch, Monday to Friday")


def test_a_table_going_on_over_pages_keeps_its_header(pdfs: dict[str, Path]) -> None:
    result = read_pdf(pdfs["long_table"])
    pages = [p.citation.page for p in result.passages]
    assert pages == [1, 2]
    lines = [line for p in result.passages for line in p.text.split("\n")]
    assert len(lines) == 60  # the repeated header row is no row
    assert lines[0] == "Branch 1: Monday to Friday, 9:00 to 13:00"
    assert lines[-1] == "Branch 60: Monday to Friday, 9:00 to 18:00"
    assert result.title == "Long table"


def test_lead_text_in_a_big_font_is_prose_and_wrapped_headings_are_joined(
        pdfs: dict[str, Path]) -> None:
    result = read_pdf(pdfs["guide"])
    assert result.title == "Mortgage guide"
    assert result.passages[0].text == LEAD
    assert result.passages[0].citation.section is None
    heading = "Important information about early repayment charges"
    assert [(p.citation.section, p.citation.page) for p in result.passages[1:]] == [
        (heading, 1), (heading, 1), (heading, 2)]
    assert result.passages[1].text == "You can repay up to 10% a year without a charge."
    rows = [line for p in result.passages[2:] for line in p.text.split("\n")]
    assert rows == [f"Loan {number}: {number}.5%" for number in range(1, 51)]


def test_metadata_title_wins_and_a_blank_page_is_skipped(pdfs: dict[str, Path]) -> None:
    result = read_pdf(pdfs["titled"])
    assert result.title == "Savings terms 2026"
    assert [(p.text, p.citation.page, p.citation.section) for p in result.passages] == [
        ("Interest is paid every quarter.", 1, None),
        ("Notice period is three months.", 3, None)]
    assert [s.what for s in result.skipped] == ["page 2"]


def test_without_a_title_the_file_name_is_humanised(pdfs: dict[str, Path]) -> None:
    result = read_pdf(pdfs["card_terms-v2"])
    assert result.title == "Card terms v2"
    assert result.passages[0].text == "A replacement card arrives within five days."


def test_an_encrypted_pdf_is_refused(pdfs: dict[str, Path]) -> None:
    assert _refusal(pdfs["locked"]) == (
        "the PDF is encrypted (password protected); export an unprotected copy and import that")


def test_a_scan_is_refused_as_needing_ocr(pdfs: dict[str, Path]) -> None:
    assert _refusal(pdfs["scan"]) == (
        "no text: the pages are images (a scan); it needs OCR before import")


def test_a_pdf_with_some_scanned_pages_is_refused_whole(pdfs: dict[str, Path]) -> None:
    assert _refusal(pdfs["mixed"]) == (
        "pages 2, 3 have no text layer (scanned?); it needs OCR before import")


@pytest.mark.parametrize(("name", "reason"), [
    ("not_a_pdf", "No /Root object! - Is this really a PDF?"),
    ("truncated", ""),
])
def test_a_damaged_file_or_no_pdf_is_refused(pdfs: dict[str, Path], name: str,
                                             reason: str) -> None:
    problem = _refusal(pdfs[name])
    assert problem.startswith("not a readable PDF (damaged or not a PDF): ")
    assert reason in problem


def test_a_file_over_the_size_limit_is_refused(pdfs: dict[str, Path],
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(base, "MAX_FILE_BYTES", 100)
    assert "the limit is" in _refusal(pdfs["titled"])


def test_rows_as_lines_tidies_cells() -> None:
    rows: list[list[str | None]] = [["Card", None, "Fee"], ["Gold\ncard", None, "EUR 90 per\nyear"],
            [None, None, "replace-\nment free"], ["", "", ""]]
    assert rows_as_lines(rows, header=True) == ["Gold card: EUR 90 per year",
                                                "Gold card: replacement free"]
    assert rows_as_lines([["Only", "a header"]], header=True) == ["Only; a header"]
