#!/usr/bin/env python3
"""Regenerate the generated files of the Brightwater Bank documents benchmark, then check it.

Usage (from the repository root):

    .venv/bin/python benchmarks/documents/make_documents.py          # regenerate + check
    .venv/bin/python benchmarks/documents/make_documents.py --check  # check only

Generated into files/: fee-schedule.pdf (fpdf2), terms.docx (python-docx) and
dialogflow_agent.zip (a zip of the hand-written files/dialogflow_agent/ folder, without
heldout.yaml). Everything else in files/ is written by hand. Dates, metadata and zip entry
times are fixed, so re-running gives byte-identical files.

The check verifies that every file parses, that page 2 of the PDF holds a table that
pdfplumber finds, and that every `expect` string of questions.yaml occurs (case-insensitive,
whitespace-normalised) in the text of the cited document and page, with all of a question's
strings close together (one sentence or one table row). It also checks that the Rasa test
stories and the Dialogflow held-out wordings are not copies of training examples.

Brightwater Bank is fictional; all text was written for this project (Apache-2.0).
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import re
import sys
import zipfile
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import ClassVar

HERE = Path(__file__).resolve().parent
FILES = HERE / "files"
FIXED_DATE = datetime(2026, 2, 1, 9, 0, 0, tzinfo=UTC)
ZIP_DATE = (2026, 2, 1, 9, 0, 0)

# --------------------------------------------------------------------------------------
# fee-schedule.pdf
# --------------------------------------------------------------------------------------

PDF_TITLE = "Brightwater Bank Fee Schedule 2026"

PDF_PAGE1 = [
    ("h", "About this schedule"),
    (
        "p",
        "This schedule lists the fees and charges for Brightwater Bank personal current "
        "accounts and the services linked to them. It forms part of your Current Account "
        "Terms and Conditions. All amounts are in euro (EUR). Government duties and fees "
        "charged by other banks are not included.",
    ),
    (
        "p",
        "We tell you about the fees we are going to take at least 14 days before we take "
        "them, in a fee advice that you can read in the app or receive by post.",
    ),
    ("h", "Account fees"),
    (
        "p",
        "Everyday Current Account: a maintenance fee of EUR 6.50 is charged each quarter. "
        "We waive the fee for any quarter in which you lodge at least EUR 2,000 every month, "
        "or keep a balance of EUR 3,000 or more throughout the quarter. Customers aged 66 "
        "and over pay no maintenance fee on the Everyday Current Account.",
    ),
    (
        "p",
        "The quarterly maintenance fee is taken on the last working day of March, June, "
        "September and December.",
    ),
    (
        "p",
        "Student Current Account: there is no maintenance fee while you are in full-time "
        "education, up to your 26th birthday. After that, the account becomes an Everyday "
        "Current Account and its fees apply.",
    ),
    (
        "p",
        "Premier Current Account: the monthly fee is EUR 12.00. It includes worldwide travel "
        "insurance for you and your family and free emergency card delivery abroad.",
    ),
    (
        "p",
        "There are no transaction charges for card payments, direct debits, standing orders "
        "or ATM withdrawals in the euro area on any of our current accounts. Charges for "
        "other services are set out in the table on page 2.",
    ),
]

PDF_TABLE = [
    ("Service", "Fee"),
    ("SEPA credit transfer (app or online)", "Free"),
    ("SEPA Instant transfer (app or online)", "Free"),
    ("SEPA transfer made in a branch", "EUR 3.50"),
    ("International transfer in US dollars (USD)", "EUR 9.75 per transfer"),
    ("International transfer in pounds sterling (GBP)", "EUR 6.25 per transfer"),
    ("International transfer in other currencies", "EUR 14.00 + 0.25% (max EUR 45.00)"),
    ("Urgent same-day international transfer (extra)", "EUR 20.00"),
    ("Receiving an international (non-SEPA) payment", "EUR 4.50"),
    ("ATM withdrawal in the euro area", "Free"),
    ("ATM withdrawal outside the euro area", "2.75% (min EUR 3.25)"),
    ("Card payment in a non-euro currency", "2.25% of the amount"),
    ("Replacement debit card (lost or damaged)", "EUR 8.00"),
    ("Emergency card delivery abroad", "EUR 25.00"),
    ("Paper statement by post (monthly)", "EUR 1.20 per statement"),
    ("Duplicate statement or certificate of balance", "EUR 7.50"),
    ("Bank draft", "EUR 5.00"),
    ("Cheque book (25 cheques)", "EUR 10.00"),
    ("Stopping a cheque", "EUR 9.00"),
    ("Unpaid direct debit or standing order", "EUR 11.00"),
    ("Unarranged overdraft fee (per month used)", "EUR 12.50"),
    ("Arranged overdraft facility fee (yearly)", "EUR 25.00"),
]

PDF_PAGE2_NOTE = (
    "International transfer fees are charged by Brightwater Bank. The other banks involved in "
    "an international payment may take their own charges from the amount sent."
)

PDF_PAGE3 = [
    ("h", "Overdrafts"),
    (
        "p",
        "An arranged overdraft of up to EUR 5,000 is available on the Everyday and Premier "
        "Current Accounts, subject to approval. Interest on an arranged overdraft is charged "
        "at 11.85% APR variable.",
    ),
    (
        "p",
        "If you go overdrawn without an arrangement, or beyond your arranged limit, we charge "
        "surcharge interest of 8.50% a year on the unarranged amount, on top of the arranged "
        "overdraft rate. The monthly unarranged overdraft fee in the table on page 2 also "
        "applies. Debit interest is calculated daily and taken from your account quarterly.",
    ),
    ("h", "Personal loans"),
    (
        "p",
        "Brightwater personal loans are available from EUR 2,500 to EUR 60,000, repaid over "
        "12 to 72 months. The rate depends on the amount you borrow, as shown below, and on "
        "the outcome of our credit assessment.",
    ),
    (
        "table",
        [
            ("Loan amount", "Representative APR (variable)"),
            ("EUR 2,500 to EUR 7,499", "10.9%"),
            ("EUR 7,500 to EUR 24,999", "8.4%"),
            ("EUR 25,000 to EUR 60,000", "7.4%"),
            ("Green Home Improvement Loan (any amount)", "5.9%"),
        ],
    ),
    (
        "p",
        "Representative example: a loan of EUR 10,000 over 5 years at 8.4% APR variable is "
        "repaid in 60 monthly repayments of EUR 203.24, a total amount repayable of "
        "EUR 12,194.40.",
    ),
    (
        "p",
        "You can repay a variable-rate loan early, in full or in part, at any time without a "
        "fee. If a loan repayment is missed, we charge a late payment fee of EUR 15.00 and "
        "we will contact you to agree how to bring the loan up to date.",
    ),
    (
        "p",
        "Questions about any fee or charge? Call us on +353 21 490 3300 or ask in any "
        "Brightwater branch.",
    ),
]


def build_pdf(path: Path) -> None:
    from fpdf import FPDF
    from fpdf.fonts import FontFace

    class FeePDF(FPDF):
        def footer(self) -> None:
            self.set_y(-15)
            self.set_font("Helvetica", "", 8)
            self.set_text_color(90, 90, 90)
            self.cell(
                0,
                8,
                "Brightwater Bank DAC is regulated by the Central Bank of Ireland."
                f"   Fee Schedule 2026 - page {self.page_no()} of {{nb}}",
                align="C",
            )
            self.set_text_color(0, 0, 0)

    pdf = FeePDF(format="A4")
    pdf.set_creation_date(FIXED_DATE)
    pdf.set_title(PDF_TITLE)
    pdf.set_author("Brightwater Bank DAC")
    pdf.set_subject("Fees and charges for personal current accounts, effective 1 March 2026")
    pdf.set_creator("benchmarks/documents/make_documents.py")
    pdf.set_producer("fpdf2")
    pdf.set_lang("en-IE")
    pdf.set_margins(18, 18, 18)
    pdf.set_auto_page_break(True, margin=22)

    def heading(text: str) -> None:
        pdf.ln(3)
        pdf.set_font("Helvetica", "B", 13)
        pdf.cell(0, 8, text, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Helvetica", "", 10.5)

    def para(text: str) -> None:
        pdf.set_font("Helvetica", "", 10.5)
        pdf.multi_cell(0, 5.5, text, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(2.5)

    def table(rows, widths) -> None:
        pdf.set_font("Helvetica", "", 10)
        with pdf.table(
            col_widths=widths,
            text_align=("LEFT", "LEFT"),
            line_height=7,
            first_row_as_headings=True,
            headings_style=FontFace(emphasis="BOLD", fill_color=(220, 232, 240)),
            padding=(1, 2),
        ) as t:
            for r in rows:
                row = t.row()
                for c in r:
                    row.cell(c)
        pdf.ln(4)

    def blocks(items) -> None:
        for kind, content in items:
            if kind == "h":
                heading(content)
            elif kind == "p":
                para(content)
            else:
                table(content, (3, 2))

    # Page 1: title, introduction, account fees.
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 20)
    pdf.cell(0, 12, PDF_TITLE, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 11)
    pdf.cell(
        0,
        7,
        "Personal current accounts - effective from 1 March 2026",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.ln(2)
    blocks(PDF_PAGE1)

    # Page 2: the main fee table.
    pdf.add_page()
    heading("Payments, cards and other services")
    table(PDF_TABLE, (3, 2))
    para(PDF_PAGE2_NOTE)

    # Page 3: overdraft and loan interest, second table.
    pdf.add_page()
    blocks(PDF_PAGE3)

    pdf.output(str(path))


# --------------------------------------------------------------------------------------
# terms.docx
# --------------------------------------------------------------------------------------

DOCX_TITLE = "Brightwater Bank Current Account Terms and Conditions"

# Each inner list is one page; pages are separated by explicit page breaks.
DOCX_PAGES = [
    [
        ("p", "Effective from 1 March 2026. Please read these terms carefully and keep a copy."),
        ("h1", "1. About these terms"),
        (
            "p",
            "These terms apply to the Everyday Current Account, the Premier Current Account and "
            'the Student Current Account provided by Brightwater Bank DAC ("we", "us"). '
            "Together with our Fee Schedule, they form the agreement between you and us.",
        ),
        (
            "p",
            "You can ask for a copy of these terms at any time, free of charge, in the app, in "
            "a branch or by calling us.",
        ),
        ("h1", "2. Closing your account"),
        ("h2", "2.1 Closing the account yourself"),
        (
            "p",
            "You can close your account at any time, free of charge, in the app under "
            "Profile > Close account, in a branch, or by writing to us.",
        ),
        (
            "p",
            "Before you close the account, move your balance out and tell anyone who pays you "
            "or collects payments from you. Any payment that arrives after the account is "
            "closed will be returned to the sender.",
        ),
        (
            "p",
            "If you close the account within 14 days of opening it, you are cancelling under "
            "your cooling-off right and we will refund any fees you have paid.",
        ),
        ("h2", "2.2 Closing the account by us"),
        ("p", "We can close your account by giving you at least 60 days' notice in writing."),
        (
            "p",
            "We can close your account immediately and without notice if you have used it for "
            "illegal purposes, given us false information, or behaved in a threatening or "
            "abusive way towards our staff.",
        ),
        (
            "p",
            "When the account is closed, we will send any remaining balance, with interest up "
            "to the closing date, to an account you name within 5 working days.",
        ),
    ],
    [
        ("h1", "3. Interest"),
        ("h2", "3.1 Interest we pay you"),
        (
            "p",
            "On the Premier Current Account only, we pay credit interest of 0.10% AER variable "
            "on the part of your balance above €5,000. The Everyday and Student Current "
            "Accounts do not earn interest.",
        ),
        (
            "p",
            "Credit interest is calculated daily on the cleared balance and paid into the "
            "account quarterly, on the last working day of March, June, September and "
            "December.",
        ),
        ("h2", "3.2 Interest you pay us"),
        (
            "p",
            "If you use an arranged overdraft, we charge debit interest at the rate shown in "
            "our Fee Schedule, calculated daily on the overdrawn balance. We will tell you the "
            "amount of debit interest at least 10 business days before we take it from your "
            "account.",
        ),
        ("h1", "4. Payments and limits"),
        (
            "p",
            "To protect you from fraud, we apply the daily limits in the table below. A day "
            "runs from midnight to midnight, Irish time.",
        ),
        (
            "table",
            [
                ("Limit", "Amount"),
                ("ATM cash withdrawals", "€700 per day"),
                ("Card payments in shops and online", "€5,000 per day"),
                ("Transfers in the app to an existing payee", "€20,000 per day"),
                ("Transfers in the app to a new payee (first 24 hours)", "€2,000"),
                ("Cash withdrawal at a branch counter without notice", "€4,000 per day"),
            ],
        ),
        (
            "p",
            "You can ask us to raise your card payment limit temporarily, for up to 7 days, by "
            "calling our customer line; we may ask you for evidence of the purchase.",
        ),
        (
            "p",
            "We may lower a limit without notice if we suspect fraud, and we will tell you as "
            "soon as possible afterwards.",
        ),
    ],
    [
        ("h1", "5. Unauthorised and incorrect payments"),
        ("h2", "5.1 Telling us"),
        (
            "p",
            "If you notice a payment from your account that you did not authorise, tell us "
            "without undue delay, and in any case no later than 13 months after the date the "
            "payment was taken from your account.",
        ),
        ("h2", "5.2 Refunds"),
        (
            "p",
            "If a payment was unauthorised, we will refund it by the end of the next business "
            "day after you tell us, unless we have reasonable grounds to suspect that you "
            "acted fraudulently. We will also put your account back into the position it "
            "would have been in, including any interest and charges.",
        ),
        ("h2", "5.3 Your liability"),
        (
            "p",
            "If your card, phone or security details were lost or stolen and used by someone "
            "else before you told us, the most you will have to pay is €50.",
        ),
        (
            "p",
            "You will have to pay for all losses if you acted fraudulently, or if you "
            "intentionally or with gross negligence failed to keep your security details "
            "safe, for example by writing your passcode on your card.",
        ),
        (
            "p",
            "You will not have to pay anything for payments made after you told us that your "
            "card or security details were lost or stolen.",
        ),
        ("h1", "6. Disputes and chargebacks"),
        (
            "p",
            "If you have a problem with something you paid for by card, such as goods that "
            "never arrived or a refund that a shop promised but never made, contact the "
            "merchant first.",
        ),
        (
            "p",
            "If the merchant does not put things right, you can ask us to raise a chargeback "
            "through Visa within 110 days of the date the payment appeared on your account.",
        ),
        (
            "p",
            "Most chargebacks are decided within 60 days. While we investigate, we may credit "
            "the amount to your account temporarily.",
        ),
        (
            "p",
            "You are entitled to a refund of a SEPA direct debit that you authorised if you ask "
            "for it within 8 weeks of the date it was taken.",
        ),
    ],
    [
        ("h1", "7. Changes to these terms"),
        (
            "p",
            "We may change these terms, our fees or our interest rates. We will give you at "
            "least 2 months' notice of any change, by email or through the app.",
        ),
        (
            "p",
            "Changes in your favour, such as a lower fee, can take effect immediately, and we "
            "will tell you about them afterwards.",
        ),
        (
            "p",
            "If you don't agree with a change, you can close your account free of charge "
            "before the change takes effect. If you don't tell us that you object, we will "
            "treat you as having accepted the change.",
        ),
        ("h1", "8. Dormant accounts"),
        (
            "p",
            "If there has been no transaction made by you on your account for 24 months, we "
            "will mark it as inactive, and you will need to confirm your identity before you "
            "can use it again.",
        ),
        (
            "p",
            "If an account has had no customer activity for 15 years, we are required by the "
            "Dormant Accounts Acts to transfer the balance to the Dormant Accounts Fund. We "
            "will write to you at your last known address at least 3 months before the "
            "transfer.",
        ),
        (
            "p",
            "Your money is never lost: you can reclaim it from us at any time, together with "
            "any interest it would have earned, even after it has been transferred.",
        ),
        ("h1", "9. Complaints and governing law"),
        (
            "p",
            "You can complain to us in any branch, by phone or in writing. If you are not "
            "satisfied with our response, you may refer your complaint to the Financial "
            "Services and Pensions Ombudsman.",
        ),
        (
            "p",
            "These terms and any dispute about them are governed by the laws of Ireland. "
            "Brightwater Bank DAC is regulated by the Central Bank of Ireland.",
        ),
    ],
]


def _rezip_fixed(data: bytes) -> bytes:
    """Rewrite a zip (docx) with fixed entry times so the bytes are reproducible."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            zi = zipfile.ZipInfo(info.filename, date_time=ZIP_DATE)
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = 0o644 << 16
            dst.writestr(zi, src.read(info.filename))
    return out.getvalue()


def build_docx(path: Path) -> None:
    import docx
    from docx.shared import Pt

    doc = docx.Document()
    props = doc.core_properties
    props.title = DOCX_TITLE
    props.author = "Brightwater Bank DAC"
    props.last_modified_by = "Brightwater Bank DAC"
    props.subject = "Current account terms and conditions"
    props.keywords = "terms, current account, Brightwater"
    props.comments = "Fictional document written for the Teller documents benchmark."
    props.created = FIXED_DATE.replace(tzinfo=None)
    props.modified = FIXED_DATE.replace(tzinfo=None)
    props.last_printed = FIXED_DATE.replace(tzinfo=None)
    props.revision = 1

    doc.add_heading(DOCX_TITLE, level=0)
    for i, page in enumerate(DOCX_PAGES):
        if i:
            doc.add_page_break()
        for kind, content in page:
            if kind == "h1":
                doc.add_heading(content, level=1)
            elif kind == "h2":
                doc.add_heading(content, level=2)
            elif kind == "p":
                doc.add_paragraph(content)
            else:
                table = doc.add_table(rows=0, cols=2)
                table.style = "Table Grid"
                for r, row in enumerate(content):
                    cells = table.add_row().cells
                    for c, text in enumerate(row):
                        cells[c].text = text
                        if r == 0:
                            for run in cells[c].paragraphs[0].runs:
                                run.bold = True
                                run.font.size = Pt(11)
                doc.add_paragraph()
    buf = io.BytesIO()
    doc.save(buf)
    path.write_bytes(_rezip_fixed(buf.getvalue()))


# --------------------------------------------------------------------------------------
# dialogflow_agent.zip
# --------------------------------------------------------------------------------------


def build_zip(path: Path) -> None:
    folder = FILES / "dialogflow_agent"
    members = sorted(p for p in folder.rglob("*") if p.is_file() and p.name != "heldout.yaml")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for p in members:
            zi = zipfile.ZipInfo(p.relative_to(folder).as_posix(), date_time=ZIP_DATE)
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = 0o644 << 16
            zf.writestr(zi, p.read_bytes())


# --------------------------------------------------------------------------------------
# Text extraction for the check
# --------------------------------------------------------------------------------------


def norm(text: str) -> str:
    text = text.replace("\u2019", "'").replace("\u00a0", " ")
    return re.sub(r"\s+", " ", text).strip().lower()


def pdf_pages(path: Path) -> list[str]:
    import pdfplumber

    with pdfplumber.open(path) as pdf:
        return [page.extract_text() or "" for page in pdf.pages]


def docx_pages(path: Path) -> list[str]:
    """Text per page, pages split at explicit page breaks (the document has no others)."""
    import docx
    from docx.oxml.ns import qn

    doc = docx.Document(str(path))
    pages: list[list[str]] = [[]]
    for child in doc.element.body.iterchildren():
        if child.tag == qn("w:p"):
            text = "".join(t.text or "" for t in child.iter(qn("w:t")))
            if text:
                pages[-1].append(text)
            for br in child.iter(qn("w:br")):
                if br.get(qn("w:type")) == "page":
                    pages.append([])
        elif child.tag == qn("w:tbl"):
            for tr in child.iter(qn("w:tr")):
                cells = [
                    "".join(t.text or "" for t in tc.iter(qn("w:t"))) for tc in tr.iter(qn("w:tc"))
                ]
                pages[-1].append(" | ".join(cells))
    return ["\n".join(p) for p in pages]


class _MainText(HTMLParser):
    """Main content of the help page: skips nav, header, footer, cookie banner, scripts;
    keeps the JSON-LD FAQ's questions and answers."""

    SKIP: ClassVar[set[str]] = {"nav", "header", "footer", "script", "style"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, bool]] = []
        self.parts: list[str] = []
        self.jsonld: list[str] = []
        self._in_jsonld = False

    def _skipping(self) -> bool:
        return any(skip for _, skip in self.stack)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag in {"meta", "link", "img", "input", "br", "hr"}:
            return
        skip = tag in self.SKIP or "cookie-banner" in (a.get("class") or "")
        if tag == "script" and a.get("type") == "application/ld+json":
            self._in_jsonld = True
        self.stack.append((tag, skip))

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_jsonld = False
        while self.stack:
            t, _ = self.stack.pop()
            if t == tag:
                break

    def handle_data(self, data):
        if self._in_jsonld:
            self.jsonld.append(data)
        elif not self._skipping():
            self.parts.append(data)


def html_text(path: Path) -> str:
    p = _MainText()
    p.feed(path.read_text(encoding="utf-8"))
    out = [" ".join(p.parts)]
    for block in p.jsonld:
        data = json.loads(block)
        assert data["@type"] == "FAQPage"
        for q in data["mainEntity"]:
            out.append(q["name"] + "\n" + q["acceptedAnswer"]["text"])
    return "\n".join(out)


def csv_text(path: Path) -> str:
    with path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    return "\n".join(f"{r['Question']}\n{r['Answer']}" for r in rows)


def document_text(name: str) -> list[str]:
    """The cited document's text, one string per page (a single page for HTML/CSV/MD)."""
    path = FILES / name
    if name.endswith(".pdf"):
        return pdf_pages(path)
    if name.endswith(".docx"):
        return docx_pages(path)
    if name.endswith(".html"):
        return [html_text(path)]
    if name.endswith(".csv"):
        return [csv_text(path)]
    return [path.read_text(encoding="utf-8")]


# --------------------------------------------------------------------------------------
# Check
# --------------------------------------------------------------------------------------

WINDOW = 320  # all of a question's expect strings must fit in this many characters

PAGED = {".pdf", ".docx"}


def _close_together(text: str, expects: list[str]) -> bool:
    spots = {e: [m.start() for m in re.finditer(re.escape(e), text)] for e in expects}
    first = expects[0]
    for s in spots[first]:
        if all(any(abs(p - s) <= WINDOW for p in spots[e]) for e in expects[1:]):
            return True
    return False


def _strip_rasa(text: str) -> str:
    text = re.sub(r"\[([^\]]+)\]\([^)]+\)", r"\1", text)
    text = re.sub(r"\[([^\]]+)\]\{[^}]+\}", r"\1", text)
    return norm(text)


def check() -> list[str]:
    import yaml

    errors: list[str] = []

    # The generated files open, and have the structure the benchmark relies on.
    import pdfplumber

    with pdfplumber.open(FILES / "fee-schedule.pdf") as pdf:
        if len(pdf.pages) < 3:
            errors.append(f"fee-schedule.pdf has {len(pdf.pages)} pages, want >= 3")
        tables = pdf.pages[1].extract_tables()
        if not tables or tables[0][0] != ["Service", "Fee"] or len(tables[0]) < 16:
            errors.append(f"page 2 table not found as expected: {tables[:1]}")
        if not pdf.pages[2].extract_tables():
            errors.append("page 3 table not found")
    pages = docx_pages(FILES / "terms.docx")
    if len(pages) < 3:
        errors.append(f"terms.docx has {len(pages)} pages, want >= 3")
    import docx

    d = docx.Document(str(FILES / "terms.docx"))
    if not d.tables or d.tables[0].rows[0].cells[0].text != "Limit":
        errors.append("terms.docx: limits table missing")
    for i, p in enumerate(pages, 1):
        if len(p.split()) > 480:
            errors.append(f"terms.docx page {i} has {len(p.split())} words: may overflow a page")

    with zipfile.ZipFile(FILES / "dialogflow_agent.zip") as zf:
        names = set(zf.namelist())
        for n in names:
            if n.endswith(".json"):
                json.loads(zf.read(n))
        for need in ("agent.json", "package.json", "intents/Default Welcome Intent.json"):
            if need not in names:
                errors.append(f"dialogflow_agent.zip lacks {need}")
        folder = FILES / "dialogflow_agent"
        for n in names:
            if zf.read(n) != (folder / n).read_bytes():
                errors.append(f"dialogflow_agent.zip: {n} differs from the folder")

    # Every YAML file parses.
    for y in sorted(HERE.rglob("*.yml")) + sorted(HERE.rglob("*.yaml")):
        try:
            yaml.safe_load(y.read_text(encoding="utf-8"))
        except yaml.YAMLError as exc:
            errors.append(f"{y.relative_to(HERE)}: {exc}")
    if errors:
        return errors

    # Rasa test stories and Dialogflow held-out texts are new wordings.
    rasa = FILES / "rasa_project"
    nlu = yaml.safe_load((rasa / "data" / "nlu.yml").read_text(encoding="utf-8"))
    train = set()
    for item in nlu["nlu"]:
        if "intent" in item:
            for line in item["examples"].splitlines():
                if line.strip().startswith("- "):
                    train.add(_strip_rasa(line.strip()[2:]))
    tests = yaml.safe_load((rasa / "tests" / "test_stories.yml").read_text(encoding="utf-8"))
    for story in tests["stories"]:
        for step in story["steps"]:
            if "user" in step and _strip_rasa(step["user"]) in train:
                errors.append(f"rasa test text is in nlu.yml: {step['user']!r}")
    df_train = set()
    for f in (FILES / "dialogflow_agent" / "intents").glob("*_usersays_en.json"):
        for ex in json.loads(f.read_text(encoding="utf-8")):
            df_train.add(norm("".join(part["text"] for part in ex["data"])))
    heldout = yaml.safe_load((FILES / "dialogflow_agent" / "heldout.yaml").read_text("utf-8"))
    for intent, texts in heldout.items():
        if not (FILES / "dialogflow_agent" / "intents" / f"{intent}.json").exists():
            errors.append(f"heldout.yaml: unknown intent {intent!r}")
        for t in texts:
            if norm(t) in df_train:
                errors.append(f"dialogflow held-out text is a training phrase: {t!r}")

    # Questions: expect strings occur in the cited page, close together.
    qs = yaml.safe_load((HERE / "questions.yaml").read_text(encoding="utf-8"))
    cache: dict[str, list[str]] = {}
    seen = set()
    for q in qs["questions"]:
        text, doc = q["text"], q["document"]
        if norm(text) in seen:
            errors.append(f"duplicate question {text!r}")
        seen.add(norm(text))
        if q.get("split") not in ("dev", "heldout"):
            errors.append(f"bad split: {text!r}")
        if doc not in cache:
            cache[doc] = [norm(p) for p in document_text(doc)]
        paged = Path(doc).suffix in PAGED
        if paged != ("page" in q):
            errors.append(f"page given/missing wrongly: {text!r}")
            continue
        page_text = cache[doc][q["page"] - 1] if paged else cache[doc][0]
        expects = [norm(e) for e in q["expect"]]
        missing = [e for e in expects if e not in page_text]
        if missing:
            errors.append(f"{doc} p{q.get('page', '-')}: {missing} not found for {text!r}")
        elif not _close_together(page_text, expects):
            errors.append(f"{doc}: expect strings not close together for {text!r}")
    for u in qs["unrelated"]:
        if u.get("split") not in ("dev", "heldout") or set(u) - {"text", "split"}:
            errors.append(f"bad unrelated entry: {u}")
    return errors


def summary() -> str:
    from collections import Counter

    import yaml

    qs = yaml.safe_load((HERE / "questions.yaml").read_text(encoding="utf-8"))
    c = Counter((q["document"], q["split"]) for q in qs["questions"])
    docs = sorted({d for d, _ in c})
    lines = [f"{'document':20} {'dev':>4} {'heldout':>8} {'total':>6}"]
    for d in docs:
        dev, held = c[d, "dev"], c[d, "heldout"]
        lines.append(f"{d:20} {dev:4} {held:8} {dev + held:6}")
    u = Counter(x["split"] for x in qs["unrelated"])
    lines.append(
        f"{'questions total':20} {sum(v for (d, s), v in c.items() if s == 'dev'):4} "
        f"{sum(v for (d, s), v in c.items() if s == 'heldout'):8} {sum(c.values()):6}"
    )
    lines.append(f"{'unrelated':20} {u['dev']:4} {u['heldout']:8} {sum(u.values()):6}")
    return "\n".join(lines)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--check", action="store_true", help="only check, do not regenerate")
    args = ap.parse_args()
    if not args.check:
        FILES.mkdir(parents=True, exist_ok=True)
        build_pdf(FILES / "fee-schedule.pdf")
        build_docx(FILES / "terms.docx")
        build_zip(FILES / "dialogflow_agent.zip")
        print("wrote files/fee-schedule.pdf, files/terms.docx, files/dialogflow_agent.zip")
    errors = check()
    for e in errors:
        print("ERROR:", e, file=sys.stderr)
    print(summary())
    print("check:", "FAILED" if errors else "ok")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
