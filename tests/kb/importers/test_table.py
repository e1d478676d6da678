from pathlib import Path

import pytest
from openpyxl import Workbook

from bot.kb.importers import base
from bot.kb.importers.base import ReadResult, UnreadableSource
from bot.kb.importers.table import humanise, read_table, table_lines


def write_csv(tmp_path: Path, text: str, name: str = "faqs.csv",
              encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def pairs(result: ReadResult) -> list[tuple[str, str]]:
    return [(q.question, q.answer) for q in result.questions]


def test_named_columns_with_category_and_alternatives(tmp_path: Path) -> None:
    path = write_csv(tmp_path, (
        "Category,Question,Answer,Other questions\n"
        "Cards,How do I block my card?,\"Open the app and tap Cards, then Block.\n"
        "Or call +49 30 1234 5678.\",Lost my card | card stolen; How to freeze a card\n"
        "Accounts,Where do I find my IBAN?,In the app under Account details.,\n"
    ), "card-faqs.csv")
    result = read_table(path)
    assert result.title == "Card faqs"
    assert result.source == "card-faqs.csv"
    assert pairs(result) == [
        ("How do I block my card?",
         "Open the app and tap Cards, then Block.\nOr call +49 30 1234 5678."),
        ("Where do I find my IBAN?", "In the app under Account details."),
    ]
    block, iban = result.questions
    assert block.alternatives == ("Lost my card", "card stolen", "How to freeze a card")
    assert iban.alternatives == ()
    assert (block.citation.document, block.citation.file, block.citation.section,
            block.citation.page) == ("Card faqs", "card-faqs.csv", "Cards", None)
    assert iban.citation.section == "Accounts"
    assert not result.notes


def test_german_semicolon_csv_with_named_columns(tmp_path: Path) -> None:
    path = write_csv(tmp_path, (
        "Frage;Antwort;Thema\n"
        "Wie sperre ich meine Karte?;In der App unter Karten > Sperren.;Karten\n"
        'Was kostet das Girokonto?;"4,90 € im Monat; für Studenten kostenlos.";Konto\n'
    ))
    result = read_table(path)
    assert pairs(result) == [
        ("Wie sperre ich meine Karte?", "In der App unter Karten > Sperren."),
        ("Was kostet das Girokonto?", "4,90 € im Monat; für Studenten kostenlos."),
    ]
    assert [q.citation.section for q in result.questions] == ["Karten", "Konto"]


def test_columns_are_guessed_and_the_guess_noted(tmp_path: Path) -> None:
    path = write_csv(tmp_path, (
        "ID,Q text,Text body,Owner\n"
        "1,How long does a transfer take?,SEPA transfers arrive the next working day.,ops\n"
        "2,Can I cancel a transfer?,Only scheduled transfers can be cancelled in the app.,ops\n"
        "3,What is an instant transfer?,It arrives within ten seconds day and night.,ops\n"
    ))
    result = read_table(path)
    assert result.notes == ["faqs.csv: columns guessed: question = 'Q text', "
                            "answer = 'Text body'"]
    assert pairs(result)[0] == ("How long does a transfer take?",
                                "SEPA transfers arrive the next working day.")
    assert len(result.questions) == 3


def test_rows_with_an_empty_question_or_answer_are_skipped(tmp_path: Path) -> None:
    path = write_csv(tmp_path, (
        "question,answer\n"
        "How do I change my address?,In the app under Profile.\n"
        "Can I have two cards?,\n"
        ",Our branches open at 9:00.\n"
        ",\n"
        "Is online banking free?,Yes.\n"
    ))
    result = read_table(path)
    assert pairs(result) == [("How do I change my address?", "In the app under Profile."),
                             ("Is online banking free?", "Yes.")]
    assert [s.why for s in result.skipped] == ["row 3: empty answer", "row 4: empty question"]


def test_windows_1252_csv_is_read_with_a_note(tmp_path: Path) -> None:
    path = write_csv(tmp_path, "Question,Answer\nQuelle est la commission ?,"
                     "Un retrait coûte 2 € à l'étranger.\n", "frais.csv", encoding="cp1252")
    result = read_table(path)
    assert pairs(result) == [("Quelle est la commission ?", "Un retrait coûte 2 € à l'étranger.")]
    assert result.notes == ["frais.csv: not UTF-8; read as Windows-1252 (cp1252), check accented "
                            "letters and symbols (save the file as CSV UTF-8 to be sure)"]


def test_csv_without_a_header_row_says_so(tmp_path: Path) -> None:
    path = write_csv(tmp_path, (
        "How do I block my card?,Open the app and tap Cards then Block.\n"
        "Where do I find my IBAN?,In the app under Account details.\n"
    ))
    with pytest.raises(UnreadableSource) as caught:
        read_table(path)
    assert caught.value.source == "faqs.csv"
    assert "the first row looks like data, not column names" in caught.value.problem
    assert "header row is required" in caught.value.problem


def test_csv_with_no_usable_rows_names_the_columns(tmp_path: Path) -> None:
    path = write_csv(tmp_path, "Branch,City,Opening hours\nMitte,Berlin,9-17\nAltona,Hamburg,"
                     "9-16\n", "branches.csv")
    with pytest.raises(UnreadableSource) as caught:
        read_table(path)
    problem = caught.value.problem
    assert problem.startswith("no usable rows: no question column")
    assert "'Branch', 'City', 'Opening hours'" in problem
    empty_answers = write_csv(tmp_path, "question,answer\nHow do I pay?,\n", "empty.csv")
    with pytest.raises(UnreadableSource, match="no row has both a question and an answer"):
        read_table(empty_answers)


def test_xlsx_with_two_sheets_and_one_without_questions(tmp_path: Path) -> None:
    book = Workbook()
    cards = book.active
    assert cards is not None
    cards.title = "Cards"
    cards.append(["Question", "Answer", "Topic"])
    cards.append(["How do I block my card?", "Tap Cards, then Block.", "Security"])
    cards.append(["How much is a new card?", 10, None])
    loans = book.create_sheet("Loans")
    loans.append(["Query", "Response"])
    loans.append(["What is the maximum loan?", "€50,000 without collateral."])
    rates = book.create_sheet("Rates")
    rates.append(["Product", "Rate"])
    rates.append(["Easy Saver", 2.1])
    path = tmp_path / "faqs.xlsx"
    book.save(path)

    result = read_table(path)
    assert result.title == "Faqs"
    assert [(q.question, q.answer, q.citation.document, q.citation.section)
            for q in result.questions] == [
        ("How do I block my card?", "Tap Cards, then Block.", "faqs.xlsx - Cards", "Security"),
        ("How much is a new card?", "10", "faqs.xlsx - Cards", None),
        ("What is the maximum loan?", "€50,000 without collateral.", "faqs.xlsx - Loans", None),
    ]
    assert {q.citation.file for q in result.questions} == {"faqs.xlsx"}
    [skipped] = result.skipped
    assert skipped.what == "sheet 'Rates'"
    assert "no question column" in skipped.why and "'Product', 'Rate'" in skipped.why


def test_single_sheet_xlsx_cites_the_file_title(tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["question", "answer"])
    sheet.append(["Do you charge for cash withdrawals?", "No, at our own ATMs."])
    path = tmp_path / "atm_faq.xlsx"
    book.save(path)
    [question] = read_table(path).questions
    assert question.citation.document == "Atm faq"


@pytest.mark.parametrize("content", [
    b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512,  # an encrypted workbook (OLE)
    b"PK\x03\x04 this is not a complete zip",
])
def test_encrypted_or_damaged_xlsx_is_refused(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "locked.xlsx"
    path.write_bytes(content)
    with pytest.raises(UnreadableSource) as caught:
        read_table(path)
    assert caught.value.source == "locked.xlsx"
    assert caught.value.problem.startswith(
        "not a readable Excel file (encrypted or damaged?): ")


def test_oversized_file_is_refused_naming_the_limit(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(base, "MAX_FILE_BYTES", 10)
    monkeypatch.setattr(base, "MAX_FILE_LABEL", "10 bytes")
    path = write_csv(tmp_path, "question,answer\nIs it free?,Yes.\n")
    with pytest.raises(UnreadableSource) as caught:
        read_table(path)
    assert "the limit is 10 bytes per file" in caught.value.problem


def test_table_lines_read_on_their_own() -> None:
    assert table_lines(["Service", "Fee"], [["Card replacement", "€10"], ["", ""]]) == [
        "Card replacement: €10"]
    assert table_lines(["Service", "Fee", "Delivery"],
                       [["Card replacement", "€10", "5 days"], ["PIN letter", "", "3 days"]]
                       ) == ["Card replacement - Fee: €10; Delivery: 5 days",
                             "PIN letter - Delivery: 3 days"]
    assert table_lines([], [["Monday", "9-17"]]) == ["Monday: 9-17"]


def test_humanise_file_names() -> None:
    assert humanise("card-fees_2026") == "Card fees 2026"
    assert humanise("FAQ_Cards") == "FAQ Cards"
