from pathlib import Path

import pytest

from bot.kb.importers import base
from bot.kb.importers.base import ReadResult, UnreadableSource
from bot.kb.importers.html import read_html

CARDS_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Cards | Example Bank Help</title>
  <link rel="canonical" href="https://www.examplebank.eu/help/cards">
  <script type="application/ld+json">
  {"@context": "https://schema.org", "@graph": [
    {"@type": "Organization", "name": "Example Bank"},
    {"@type": "FAQPage", "mainEntity": [
      {"@type": "Question", "name": "How do I block my card?",
       "acceptedAnswer": {"@type": "Answer",
         "text": "<p>Tap <b>Cards &gt; Block card</b>.</p><p>Or call +49 30 1234 5678.</p>"}}
    ]}
  ]}
  </script>
  <script>window.dataLayer = [{"event": "pageview"}];</script>
  <style>.cookie-banner { position: fixed; }</style>
</head>
<body class="has-sidebar">
  <div id="cookie-banner" class="cookie-consent">
    <p>We use cookies to give you the best experience.</p>
    <a href="#">Accept all cookies</a>
  </div>
  <a class="skip-link" href="#content">Skip to main content</a>
  <header>
    <div class="logo">Example Bank</div>
    <ul class="main-menu"><li>Accounts</li><li>Mortgages</li><li>Investing</li></ul>
  </header>
  <nav aria-label="Breadcrumb"><ol><li>Home</li><li>Help centre</li><li>Cards</li></ol></nav>
  <div class="sidebar"><p>Popular topics: Mortgages, Pensions</p></div>
  <main id="content">
    <h1>Cards</h1>
    <p>Everything about your debit and credit cards,
       from ordering to replacing them.</p>
    <h2>Replacing a card</h2>
    <p>Order a replacement in the app under <em>Cards</em>.</p>
    <p>A replacement card arrives within 5 working days.</p>
    <h3>Fees</h3>
    <table>
      <thead><tr><th>Service</th><th>Fee</th></tr></thead>
      <tbody>
        <tr><td>Card replacement</td><td>€10</td></tr>
        <tr><td>Express delivery</td><td>€25</td></tr>
      </tbody>
    </table>
    <h3>Delivery abroad</h3>
    <table>
      <tr><th>Service</th><th>Fee</th><th>Delivery</th></tr>
      <tr><td>Card replacement</td><td>€10</td><td>5 days</td></tr>
      <tr><td>Express delivery</td><td>€40</td><td>2 days</td></tr>
    </table>
    <h2>Frequently asked questions</h2>
    <details>
      <summary>Can I choose my own PIN?</summary>
      <p>Yes. In the app, go to <i>Cards</i>, then <i>Change PIN</i>.</p>
    </details>
    <dl>
      <dt>What is contactless payment?</dt>
      <dt>How does tap to pay work?</dt>
      <dd>You pay by holding your card near the terminal.</dd>
      <dd>Up to €50 you need no PIN.</dd>
    </dl>
    <h3>How do I block my card?</h3>
    <p>Open the app and tap Cards, then Block card.</p>
    <h3>What if my card is stolen abroad?</h3>
    <p>Block it in the app straight away.</p>
    <ul>
      <li>Call us on +49 30 1234 5678</li>
      <li>Report the theft to the local police</li>
    </ul>
    <h2>Activating a new card</h2>
    <ol>
      <li>Open the app</li>
      <li>Tap <b>Cards</b>, then <b>Activate</b></li>
    </ol>
    <aside><p>Related articles: Loans, Savings</p></aside>
    <div class="newsletter-signup"><p>Subscribe to our newsletter for tips.</p></div>
  </main>
  <footer><p>© 2026 Example Bank AG. Imprint. Privacy.</p></footer>
</body>
</html>
"""

BOILERPLATE = ["cookie", "Accept all", "Skip to", "Mortgages", "Investing", "Home",
               "Help centre", "Popular topics", "Related articles", "newsletter", "©",
               "Imprint", "dataLayer", "position: fixed"]


def read(tmp_path: Path, html: str, name: str = "cards.html") -> ReadResult:
    path = tmp_path / name
    path.write_text(html, encoding="utf-8")
    return read_html(path)


def all_text(result: ReadResult) -> str:
    parts = [f"{q.question}\n{q.answer}\n{q.citation.section}" for q in result.questions]
    parts += [f"{p.text}\n{p.citation.section}" for p in result.passages]
    return "\n".join(parts)


def test_faq_structures_become_questions(tmp_path: Path) -> None:
    result = read(tmp_path, CARDS_PAGE)
    by_question = {q.question: q for q in result.questions}
    assert list(by_question) == [
        "How do I block my card?", "Can I choose my own PIN?", "What is contactless payment?",
        "What if my card is stolen abroad?"]
    # FAQPage JSON-LD inside @graph, its HTML answer read as text with paragraphs kept.
    assert by_question["How do I block my card?"].answer == (
        "Tap Cards > Block card.\n\nOr call +49 30 1234 5678.")
    assert by_question["Can I choose my own PIN?"].answer == (
        "Yes. In the app, go to Cards, then Change PIN.")
    contactless = by_question["What is contactless payment?"]
    assert contactless.answer == ("You pay by holding your card near the terminal.\n\n"
                                  "Up to €50 you need no PIN.")
    assert contactless.alternatives == ("How does tap to pay work?",)
    stolen = by_question["What if my card is stolen abroad?"]
    assert stolen.answer == ("Block it in the app straight away.\n\n"
                             "- Call us on +49 30 1234 5678\n"
                             "- Report the theft to the local police")
    assert stolen.citation.section == "Frequently asked questions"
    assert by_question["Can I choose my own PIN?"].citation.section == (
        "Frequently asked questions")
    # The visible copy of the JSON-LD question is imported once.
    assert any("appear both in the FAQ structured data" in note for note in result.notes)


def test_sections_become_passages_with_nested_names(tmp_path: Path) -> None:
    result = read(tmp_path, CARDS_PAGE)
    assert result.title == "Cards | Example Bank Help"
    assert result.source == "cards.html"
    sections = {p.citation.section: p.text for p in result.passages}
    assert sections["Cards"] == (
        "Everything about your debit and credit cards, from ordering to replacing them.")
    assert sections["Replacing a card"] == (
        "Order a replacement in the app under Cards.\n\n"
        "A replacement card arrives within 5 working days.")
    assert sections["Replacing a card > Fees"] == (
        "Card replacement: €10\nExpress delivery: €25")
    assert sections["Replacing a card > Delivery abroad"] == (
        "Card replacement - Fee: €10; Delivery: 5 days\n"
        "Express delivery - Fee: €40; Delivery: 2 days")
    assert sections["Activating a new card"] == "1. Open the app\n2. Tap Cards, then Activate"
    assert all(p.citation.document == "Cards | Example Bank Help" for p in result.passages)


def test_boilerplate_is_dropped(tmp_path: Path) -> None:
    text = all_text(read(tmp_path, CARDS_PAGE))
    assert "Card replacement: €10" in text
    for phrase in BOILERPLATE:
        assert phrase.lower() not in text.lower(), phrase


def test_canonical_url_is_cited_else_og_url_beside_the_file_name(tmp_path: Path) -> None:
    result = read(tmp_path, CARDS_PAGE)
    assert {q.citation.url for q in result.questions} == {
        "https://www.examplebank.eu/help/cards"}
    assert {p.citation.url for p in result.passages} == {
        "https://www.examplebank.eu/help/cards"}
    assert {p.citation.file for p in result.passages} == {"cards.html"}
    og = read(tmp_path, '<html><head><meta property="og:url" content="https://bank.example/fees">'
              "</head><body><h2>Fees</h2><p>Account fee: none.</p></body></html>", "fees.html")
    assert og.passages[0].citation.url == "https://bank.example/fees"
    plain = read(tmp_path, "<html><body><h2>Fees</h2><p>Account fee: none.</p></body></html>",
                 "fees-plain.html")
    assert plain.passages[0].citation.file == "fees-plain.html"
    assert plain.passages[0].citation.url is None
    assert plain.title == "Fees plain"  # neither <title> nor <h1>: the file name


def test_title_from_first_h1_and_main_preferred(tmp_path: Path) -> None:
    page = """<html><body>
      <div class="promo"><p>Get 3% on your savings now!</p></div>
      <main>
        <header class="page-header"><h1>Opening hours</h1><p>Branches and phone line.</p></header>
        <p>Branches open Monday to Friday, 9:00 to 17:00.</p>
      </main>
    </body></html>"""
    result = read(tmp_path, page, "hours.html")
    assert result.title == "Opening hours"
    assert [(p.citation.section, p.text) for p in result.passages] == [
        ("Opening hours", "Branches and phone line.\n\n"
                          "Branches open Monday to Friday, 9:00 to 17:00.")]


def test_text_before_the_first_heading_goes_under_the_title(tmp_path: Path) -> None:
    page = """<html><head><title>Overdrafts</title></head><body>
      <p>An arranged overdraft lets you spend more than you have.</p>
      <div>Interest is 9.9% a year,<br>charged monthly.</div>
      <h2>Applying</h2><p>Apply in the app.</p></body></html>"""
    result = read(tmp_path, page, "overdrafts.html")
    assert [(p.citation.section, p.text) for p in result.passages] == [
        ("Overdrafts", "An arranged overdraft lets you spend more than you have.\n\n"
                       "Interest is 9.9% a year,\ncharged monthly."),
        ("Applying", "Apply in the app.")]


def test_all_navigation_page_is_refused(tmp_path: Path) -> None:
    page = """<html><head><title>Example Bank</title><script>app.start()</script></head><body>
      <header><a href="/">Example Bank</a></header>
      <nav><ul><li>Accounts</li><li>Cards</li><li>Loans</li></ul></nav>
      <div class="cookie-consent"><p>We use cookies.</p><button>OK</button></div>
      <div id="app"></div>
      <footer>© 2026 Example Bank</footer></body></html>"""
    with pytest.raises(UnreadableSource) as caught:
        read(tmp_path, page, "home.html")
    assert caught.value.source == "home.html"
    assert "no content found" in caught.value.problem
    assert "navigation" in caught.value.problem


def test_empty_answers_sections_and_other_json_ld_are_skipped(tmp_path: Path) -> None:
    page = """<html><head><title>Loans</title>
      <script type="application/ld+json">{"@type": "BreadcrumbList", "itemListElement": []}
      </script>
      <script type="application/ld+json">{"@type": "FAQPage", "mainEntity": [</script>
      </head><body>
      <h2>Personal loans</h2><p>Borrow from €1,000 to €50,000.</p>
      <h2>Car loans</h2>
      <h2>Can I repay early?</h2>
      <h2>FAQ</h2>
      <details><summary>How long does approval take?</summary></details>
      <dl><dt>What is the APR?</dt><dd>The yearly cost of the loan, fees included.</dd></dl>
      </body></html>"""
    result = read(tmp_path, page, "loans.html")
    assert [q.question for q in result.questions] == ["What is the APR?"]
    assert [(p.citation.section, p.text) for p in result.passages] == [
        ("Personal loans", "Borrow from €1,000 to €50,000.")]
    skipped = {s.what: s.why for s in result.skipped}
    assert skipped["section 'Car loans'"].startswith("empty section")
    assert skipped["question 'Can I repay early?'"].startswith("empty answer")
    assert skipped["<details> 'How long does approval take?'"] == "empty answer"
    assert "not an FAQPage" in skipped["JSON-LD structured data (BreadcrumbList)"]
    assert "not valid JSON" in skipped["JSON-LD block"]


def test_declared_charset_is_used_and_bad_bytes_are_replaced(tmp_path: Path) -> None:
    latin = ('<html><head><meta http-equiv="Content-Type" content="text/html; '
             'charset=windows-1252"></head><body><h2>Gebühren</h2>'
             '<p>Kontoführung: 4,90 € im Monat.</p></body></html>')
    path = tmp_path / "gebuehren.html"
    path.write_bytes(latin.encode("cp1252"))
    result = read_html(path)
    assert result.passages[0].citation.section == "Gebühren"
    assert result.passages[0].text == "Kontoführung: 4,90 € im Monat."
    assert not result.notes

    broken = tmp_path / "broken.html"
    broken.write_bytes(b"<html><body><h2>Fees</h2><p>Card fee: \x80 5 a year.</p></body></html>")
    result = read_html(broken)
    assert result.passages[0].text == "Card fee: \ufffd 5 a year."
    assert "1 unreadable characters replaced" in result.notes[0]


def test_oversized_file_is_refused_naming_the_limit(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(base, "MAX_FILE_BYTES", 1000)
    monkeypatch.setattr(base, "MAX_FILE_LABEL", "1 KB")
    with pytest.raises(UnreadableSource) as caught:
        read(tmp_path, CARDS_PAGE)
    assert caught.value.source == "cards.html"
    assert "the limit is 1 KB per file" in caught.value.problem
