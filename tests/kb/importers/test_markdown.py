from pathlib import Path

import pytest

from bot.kb.importers import base
from bot.kb.importers.base import ReadResult, UnreadableSource
from bot.kb.importers.markdown import read_markdown

SAVINGS = """---
title: Savings accounts
updated: 2026-01-10
---

Rates below apply from **1 January 2026**.

# Savings at Example Bank

Our savings accounts pay interest *every month*,
straight into your account.

## Opening an account

Open an account in the [app](https://examplebank.eu/app) in ten minutes.

### What you need

- A valid ID card or passport
- Your tax identification number
  - non-residents: the tax ID of your country

### Steps

1. Log in to the app
2. Tap `Savings`, then **Open account**
3. Confirm with your PIN

## Interest rates

| Account | Rate |
|---|---|
| Easy Saver | 2.1% |
| Bonus Saver | 2.6% |

### Fixed-term deposits

| Term | Rate | Minimum deposit |
|---|---|---|
| 12 months | 3.0% | €1,000 |
| 24 months | 3.2% | €5,000 |

## Can I withdraw money at any time?

From the Easy Saver, yes, free of charge.

From a fixed-term deposit only at the end of the term.

## Is my money protected?

Deposits are protected up to €100,000 per customer\\
by the national deposit guarantee scheme.

## For developers

```python
client.accounts.list()
```

    curl https://api.examplebank.eu/v1/rates

## Is there a fee for closing?

## Archived offers
"""


def read(tmp_path: Path, text: str, name: str = "savings.md") -> ReadResult:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return read_markdown(path)


def test_front_matter_title_and_text_before_the_first_heading(tmp_path: Path) -> None:
    result = read(tmp_path, SAVINGS)
    assert result.title == "Savings accounts"
    assert result.source == "savings.md"
    first = result.passages[0]
    assert (first.citation.section, first.text) == (
        "Savings accounts", "Rates below apply from 1 January 2026.")
    assert first.citation.document == "Savings accounts"
    assert first.citation.file == "savings.md"


def test_title_from_first_h1_else_file_name(tmp_path: Path) -> None:
    assert read(tmp_path, "Intro.\n\n# Card fees\n\nNo fee.\n", "a.md").title == "Card fees"
    untitled = read(tmp_path, "## Fees\n\nNo account fee.\n", "card-fees_2026.md")
    assert untitled.title == "Card fees 2026"
    assert untitled.passages[0].citation.section == "Fees"


def test_question_headings_become_questions(tmp_path: Path) -> None:
    result = read(tmp_path, SAVINGS)
    assert [(q.question, q.answer) for q in result.questions] == [
        ("Can I withdraw money at any time?",
         "From the Easy Saver, yes, free of charge.\n\n"
         "From a fixed-term deposit only at the end of the term."),
        ("Is my money protected?",
         "Deposits are protected up to €100,000 per customer\n"
         "by the national deposit guarantee scheme."),
    ]
    assert {q.citation.section for q in result.questions} == {"Savings at Example Bank"}


def test_nested_sections_lists_and_soft_wraps(tmp_path: Path) -> None:
    sections = {p.citation.section: p.text for p in read(tmp_path, SAVINGS).passages}
    assert sections["Savings at Example Bank"] == (
        "Our savings accounts pay interest every month, straight into your account.")
    assert sections["Opening an account"] == (
        "Open an account in the app in ten minutes.")
    assert sections["Opening an account > What you need"] == (
        "- A valid ID card or passport\n"
        "- Your tax identification number\n"
        "- non-residents: the tax ID of your country")
    assert sections["Opening an account > Steps"] == (
        "1. Log in to the app\n2. Tap Savings, then Open account\n3. Confirm with your PIN")


def test_tables_become_readable_rows(tmp_path: Path) -> None:
    sections = {p.citation.section: p.text for p in read(tmp_path, SAVINGS).passages}
    assert sections["Interest rates"] == "Easy Saver: 2.1%\nBonus Saver: 2.6%"
    assert sections["Interest rates > Fixed-term deposits"] == (
        "12 months - Rate: 3.0%; Minimum deposit: €1,000\n"
        "24 months - Rate: 3.2%; Minimum deposit: €5,000")


def test_code_blocks_and_empty_parts_are_skipped(tmp_path: Path) -> None:
    result = read(tmp_path, SAVINGS)
    skipped = {s.what: s.why for s in result.skipped}
    assert "code is not help text" in skipped["python code block (1 line) under 'For developers'"]
    assert "code block (1 line) under 'For developers'" in skipped
    assert skipped["section 'For developers'"].startswith("empty section")
    assert skipped["question 'Is there a fee for closing?'"].startswith("empty answer")
    assert skipped["section 'Archived offers'"].startswith("empty section")
    everything = " ".join(p.text for p in result.passages) + " ".join(
        q.answer for q in result.questions)
    assert "client.accounts" not in everything
    assert "curl" not in everything


def test_windows_1252_file_is_read_with_a_note(tmp_path: Path) -> None:
    path = tmp_path / "gebuehren.md"
    path.write_bytes("# Gebühren\n\nKontoführung: 4,90 € im Monat.\n".encode("cp1252"))
    result = read_markdown(path)
    assert result.passages[0].text == "Kontoführung: 4,90 € im Monat."
    assert "not UTF-8; read as Windows-1252" in result.notes[0]


def test_invalid_front_matter_is_noted(tmp_path: Path) -> None:
    result = read(tmp_path, "---\ntitle: [unclosed\n---\n\n# Loans\n\nFrom €1,000.\n")
    assert result.title == "Loans"
    assert "front matter is not valid YAML" in result.notes[0]


def test_file_with_only_code_is_refused(tmp_path: Path) -> None:
    with pytest.raises(UnreadableSource) as caught:
        read(tmp_path, "# API\n\n```json\n{\"rate\": 2.1}\n```\n", "api.md")
    assert caught.value.source == "api.md"
    assert "no text found" in caught.value.problem


def test_oversized_file_is_refused_naming_the_limit(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(base, "MAX_FILE_BYTES", 100)
    monkeypatch.setattr(base, "MAX_FILE_LABEL", "100 bytes")
    with pytest.raises(UnreadableSource) as caught:
        read(tmp_path, SAVINGS)
    assert "the limit is 100 bytes per file" in caught.value.problem
