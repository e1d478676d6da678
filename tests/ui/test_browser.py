"""The web chat, the widget and the admin pages in a real browser (Playwright driving
Debian's Chromium) against a real `teller serve` on the tiny knowledge base."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from bot.config import Settings
from bot.kb import Intent
from tests.conftest import TINY_KB

if TYPE_CHECKING:
    from playwright.sync_api import Browser, FloatRect, Page
from tests.servers import free_port, wait_ready
from tests.ui.conftest import CHROMIUM

ADMIN_PASSWORD = "browser-test-password"
BRAND_COLOR, BRAND_RGB = "#8a1538", "rgb(138, 21, 56)"  # not the default: the setting shows
# The chat's opening message, added to the server's copy of the tiny KB (it has none).
WELCOME_YAML = """responses:
  - id: utter_welcome
    text: ["Welcome to {bank_name}. Ask a question or pick a common task."]
    buttons:
      - {title: I lost my card, payload: /lost_or_stolen_card}
      - {title: Find my IBAN, payload: "/faq:find-iban"}
"""
WELCOME_TEXT = "Welcome to Tiny Test Bank. Ask a question or pick a common task."

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(),
                                reason=f"{CHROMIUM} not found: apt-get install chromium")


@dataclass
class Server:
    base: str
    kb_dir: Path
    database: Path


@pytest.fixture(scope="module")
def server(tiny_head_settings: Settings, tmp_path_factory: pytest.TempPathFactory
           ) -> Iterator[Server]:
    folder = tmp_path_factory.mktemp("browser")
    kb_dir = folder / "kb"
    shutil.copytree(TINY_KB, kb_dir)
    (kb_dir / "welcome.yaml").write_text(WELCOME_YAML)
    data_dir = folder / "data"
    shutil.copytree(tiny_head_settings.data_dir, data_dir)  # the trained tiny model and index
    port = free_port()
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TELLER_KB_DIR": str(kb_dir),
           "TELLER_DATA_DIR": str(data_dir), "TELLER_INTENT_MODEL": "embedding-head",
           "TELLER_DEVICE": "cpu", "TELLER_DATABASE_URL": f"sqlite:///{folder / 'teller.db'}",
           "TELLER_ADMIN_PASSWORD": ADMIN_PASSWORD, "TELLER_MODEL_RELOAD_SECONDS": "0",
           "TELLER_MAX_MESSAGE_CHARS": "300", "TELLER_BRAND_COLOR": BRAND_COLOR}
    holdout = folder / "holdout.csv"  # the retrain gate's held-out set: the KB's examples
    rows = ["text,category"] + [f'"{e}",{name}' for name, intent in tiny_kb_intents().items()
                                for e in intent.examples]
    holdout.write_text("\n".join(rows) + "\n")
    env["TELLER_RETRAIN_HOLDOUT_DATA"] = str(holdout)
    log = folder / "server.log"
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "serve", "--port", str(port)],
        env=env, stdout=log.open("w"), stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    wait_ready(base, process, log)
    yield Server(base, kb_dir, folder / "teller.db")
    process.terminate()
    process.wait(timeout=30)


def tiny_kb_intents() -> dict[str, Intent]:
    from bot.kb import load_knowledge_base

    return load_knowledge_base(TINY_KB).intents


def admin_login(page: Page, server: Server) -> None:
    page.goto(f"{server.base}/admin/", wait_until="load")
    page.wait_for_selector("input[type=password]", timeout=30_000)
    page.locator("input").first.fill("admin")
    page.locator("input[type=password]").fill(ADMIN_PASSWORD)
    page.get_by_role("button", name="Login").click()
    page.wait_for_selector("#admin-summary", timeout=30_000)


@pytest.fixture
def chat(browser: Browser, server: Server) -> Iterator[Page]:
    page = browser.new_page(viewport={"width": 1100, "height": 900})
    page.goto(f"{server.base}/", wait_until="load")
    page.wait_for_selector("#teller-input textarea", timeout=60_000)
    page.wait_for_selector("#teller-chat .message-row.bot-row", timeout=30_000)  # the welcome
    yield page
    page.close()


def send(page: Page, text: str) -> None:
    """Type a message and wait for the bot's reply (not only for the message itself: on a
    busy machine the reply can come a moment after the customer's row appears). The chat
    opens with its welcome; wait for it first, or it would pass for the reply."""
    page.wait_for_selector("#teller-chat .message-row.bot-row", timeout=30_000)
    before = page.locator("#teller-chat .message-row.bot-row").count()
    box = page.locator("#teller-input textarea")
    box.fill(text)
    box.press("Enter")
    page.wait_for_function(
        "n => document.querySelectorAll('#teller-chat .message-row.bot-row').length > n",
        arg=before, timeout=30_000)


def bot_messages(page: Page) -> list[str]:
    return page.locator("#teller-chat .message-row.bot-row").all_inner_texts()


def test_a_question_gets_its_answer_and_a_why_disclosure(chat: Page) -> None:
    assert "Tiny Test Bank assistant" in chat.locator("#teller-header").inner_text()
    send(chat, "my card has not arrived yet")
    answer = bot_messages(chat)[-1]
    assert "5 working days" in answer
    assert "Why this answer?" in answer
    chat.get_by_text("Why this answer?").last.click()
    chat.wait_for_selector("text=card_arrival")
    assert "Answer from FAQ card-arrival" in chat.locator("#teller-chat").inner_text()


def test_a_reply_button_sends_its_choice(chat: Page) -> None:
    send(chat, "hello")
    button = chat.get_by_role("button", name="My card hasn't arrived")
    button.wait_for()
    button.click()
    chat.wait_for_function(
        "() => document.querySelector('#teller-chat').innerText.includes('5 working days')",
        timeout=30_000)
    assert "My card hasn't arrived" in chat.locator("#teller-chat").inner_text()


def test_markup_in_a_message_is_shown_as_text(chat: Page) -> None:
    attack = "<script>window.pwned = 1</script><img src=x onerror='window.pwned=2'><b>bold</b>"
    send(chat, attack)
    chat.wait_for_timeout(500)
    assert chat.evaluate("() => window.pwned") is None
    assert chat.locator("#teller-chat b", has_text="bold").count() == 0
    assert "<script>window.pwned = 1</script>" in chat.locator("#teller-chat").inner_text()


def test_empty_sends_do_nothing_and_long_messages_are_refused_visibly(chat: Page) -> None:
    chat.locator("#teller-input textarea").fill("   ")
    chat.locator("#teller-send").click()
    chat.wait_for_timeout(1500)
    assert bot_messages(chat) == [WELCOME_TEXT]  # only the welcome
    box = chat.locator("#teller-input textarea")
    box.fill("card " * 100)
    box.press("Enter")  # the refusal joins the welcome's group of bot messages: wait for it
    chat.wait_for_function(
        "() => document.querySelector('#teller-chat').innerText.includes('Not sent')",
        timeout=30_000)
    assert "Not sent: message is too long" in bot_messages(chat)[-1]


def review_rows(server: Server) -> tuple[set[str], int]:
    """The statuses of the server's review items, and how many examples the queue holds."""
    with closing(sqlite3.connect(server.database)) as db:
        statuses = {status for (status,) in db.execute("SELECT status FROM review_items")}
        (examples,) = db.execute("SELECT count(*) FROM log_examples").fetchone()
    return statuses, examples


def test_thumbs_down_reaches_the_review_queue_for_the_admin(
    browser: Browser, chat: Page, server: Server
) -> None:
    send(chat, "I lost my card yesterday")
    chat.locator("#teller-chat .message-row.bot-row").last.hover()
    chat.get_by_label("Dislike").last.click()
    chat.wait_for_timeout(1500)

    admin = browser.new_page(viewport={"width": 1200, "height": 1000})
    admin_login(admin, server)
    admin.wait_for_function(
        "() => document.querySelector('#admin-summary').innerText.includes('1 down')",
        timeout=30_000)
    admin.get_by_role("tab", name="Review queue").click()
    table = admin.locator("#review-table")
    table.wait_for()
    admin.wait_for_function(  # showing the queue only reads: the new items are waiting
        "() => document.querySelector('#review-waiting').innerText"
        ".includes('new message(s) from the chat')", timeout=30_000)
    assert "I lost my card yesterday" not in table.inner_text()
    assert review_rows(server) == ({"open"}, 0)  # nothing ingested, nothing marked
    admin.locator("#review-bring-in").click()
    admin.wait_for_function(
        "() => document.querySelector('#review-table').innerText.includes('thumbs_down')",
        timeout=30_000)
    assert "I lost my card yesterday" in table.inner_text()
    assert "Brought in" in admin.locator("#review-status").inner_text()
    assert "No new messages from the chat" in admin.locator("#review-waiting").inner_text()
    statuses, examples = review_rows(server)
    assert statuses == {"ingested"} and examples >= 1
    row = table.get_by_role("row").filter(has_text="I lost my card yesterday").first
    item = row.get_by_role("gridcell").first.inner_text().strip()
    admin.locator("#review-item input").fill(item)
    admin.locator("#review-label input").fill("lost_or_stolen_card")
    admin.locator("#review-label input").press("Enter")
    admin.locator("#review-assign").click()
    admin.wait_for_function(
        "() => document.querySelector('#review-status').innerText.includes('labelled')",
        timeout=30_000)
    assert f"Item {item} labelled lost_or_stolen_card" in admin.locator(
        "#review-status").inner_text()
    assert "I lost my card yesterday" not in table.inner_text()  # no longer open
    admin.close()


def test_retrain_from_the_admin_pages_then_roll_back(browser: Browser, server: Server) -> None:
    page, second = (browser.new_page(viewport={"width": 1200, "height": 1000})
                    for _ in range(2))
    for admin in (page, second):
        admin_login(admin, server)
        admin.get_by_role("tab", name="Models").click()
    page.locator("#retrain").click()
    page.wait_for_selector("#retrain-report [aria-busy=true]", timeout=30_000)  # running
    second.locator("#retrain").click()  # one retrain at a time, whoever asks
    second.wait_for_selector("#retrain-report [role=alert]", timeout=30_000)
    assert "A retrain is already running" in second.locator("#retrain-report").inner_text()
    second.close()
    page.wait_for_selector("#retrain-report [role=status]", timeout=180_000)
    report = page.locator("#retrain-report").inner_text()
    assert "Version" in report and "Held-out accuracy" in report
    assert "promoted: the assistant now uses it" in report
    output = page.locator("#retrain-output textarea").input_value()
    assert "candidate " in output and "promoted" in output  # the child's own report line
    page.wait_for_function(
        "() => document.querySelector('#versions-table').innerText.includes('imported')",
        timeout=30_000)
    page.locator("#rollback").click()
    page.wait_for_function(
        "() => document.querySelector('#retrain-report').innerText.includes('Rolled back')",
        timeout=60_000)
    assert "-imported" in page.locator("#retrain-report").inner_text()
    page.close()


def test_a_broken_faq_edit_is_refused_and_nothing_saved(browser: Browser, server: Server) -> None:
    files = {p: p.read_text() for p in server.kb_dir.iterdir()}
    page = browser.new_page(viewport={"width": 1200, "height": 1200})
    admin_login(page, server)
    page.get_by_role("tab", name="FAQ").click()
    page.locator("#faq-id textarea, #faq-id input").first.fill("Not A Valid Id")
    page.locator("#faq-category textarea, #faq-category input").first.fill("cards")
    page.locator("#faq-questions textarea").fill("How do I do a thing?")
    page.locator("#faq-answer textarea").fill("Like this.")
    page.locator("#faq-save").click()
    page.wait_for_selector("#faq-status [role=alert]", timeout=30_000)
    status = page.locator("#faq-status").inner_text()
    assert "Not saved: the knowledge base would be invalid" in status
    assert "'Not A Valid Id', field 'id': String should match pattern" in status
    assert {p: p.read_text() for p in server.kb_dir.iterdir()} == files
    page.close()


def test_the_widget_opens_the_chat_in_a_frame(browser: Browser, server: Server) -> None:
    page = browser.new_page(viewport={"width": 390, "height": 844})  # a phone
    page.goto(f"{server.base}/widget/demo", wait_until="load")
    page.get_by_role("button", name="Ask Example Bank").click()
    frame = page.frame_locator("#teller-widget-frame")
    box = frame.locator("#teller-input textarea")
    box.wait_for(timeout=60_000)
    box.fill("my card has not arrived")
    box.press("Enter")
    frame.locator("#teller-chat").get_by_text("5 working days").wait_for(timeout=30_000)
    page.close()


def test_a_new_faq_entry_is_saved_and_answered_at_once(browser: Browser, server: Server) -> None:
    page = browser.new_page(viewport={"width": 1200, "height": 1200})
    admin_login(page, server)
    page.get_by_role("tab", name="FAQ").click()
    page.locator("#faq-id textarea, #faq-id input").first.fill("savings-interest")
    page.locator("#faq-category textarea, #faq-category input").first.fill("savings")
    page.locator("#faq-questions textarea").fill(
        "What interest does the Tiny Saver account pay?\nTiny Saver interest rate")
    page.locator("#faq-answer textarea").fill("Tiny Saver pays 2.5% a year, paid monthly.")
    page.locator("#faq-save").click()
    page.wait_for_selector("#faq-status [role=status]", timeout=60_000)
    assert "Saved FAQ entry savings-interest" in page.locator("#faq-status").inner_text()
    assert "savings-interest" in (server.kb_dir / "admin-added.yaml").read_text()
    page.goto(f"{server.base}/", wait_until="load")
    page.wait_for_selector("#teller-input textarea", timeout=60_000)
    send(page, "What interest does the Tiny Saver account pay?")
    assert "2.5% a year" in bot_messages(page)[-1]
    page.close()


def test_the_chat_works_from_the_keyboard_alone(chat: Page) -> None:
    chat.keyboard.type("hello")  # the message box has the focus when the page opens
    chat.keyboard.press("Enter")
    chat.get_by_role("button", name="My card hasn't arrived").wait_for(timeout=30_000)
    for _ in range(40):  # Tab through the page to the quick reply, then press it
        chat.keyboard.press("Tab")
        if chat.evaluate("() => document.activeElement.innerText") == "My card hasn't arrived":
            break
    else:
        raise AssertionError("the quick reply cannot be reached with Tab")
    chat.keyboard.press("Enter")
    chat.wait_for_function(
        "() => document.querySelector('#teller-chat').innerText.includes('5 working days')",
        timeout=30_000)
    labels = chat.evaluate(
        "() => [...document.querySelectorAll('textarea, button')].filter(e => e.offsetParent)"
        ".filter(e => !(e.getAttribute('aria-label') || e.innerText.trim() ||"
        " (e.labels && e.labels.length))).length")
    assert labels == 0  # every visible control has a name a screen reader can read


def sessions_stored(server: Server) -> int:
    with closing(sqlite3.connect(server.database)) as db:
        (count,) = db.execute("SELECT count(*) FROM sessions").fetchone()
    return int(count)


def quick_replies(page: Page) -> list[str]:
    return [b.inner_text() for b in page.locator(".quick-reply").all() if b.is_visible()]


def test_the_chat_opens_with_the_welcome_and_its_quick_replies_work(
        browser: Browser, server: Server) -> None:
    before = sessions_stored(server)
    page = browser.new_page(viewport={"width": 1100, "height": 900})
    page.goto(f"{server.base}/", wait_until="load")
    page.wait_for_selector("#teller-chat .message-row.bot-row", timeout=60_000)
    assert [m.strip() for m in bot_messages(page)] == [WELCOME_TEXT]
    assert "Why this answer?" not in page.locator("#teller-chat").inner_text()
    assert quick_replies(page) == ["I lost my card", "Find my IBAN"]
    assert sessions_stored(server) == before  # the welcome is shown, not stored
    page.get_by_role("button", name="Find my IBAN").click()  # sends "/faq:find-iban"
    page.wait_for_function(
        "() => document.querySelector('#teller-chat').innerText.includes('Account > Details')",
        timeout=30_000)
    messages = page.locator("#teller-chat .message-row").all_inner_texts()
    assert [m.strip() for m in messages[:2]] == [WELCOME_TEXT, "Find my IBAN"]
    assert messages[2].splitlines()[0] == "Your IBAN is under Account > Details in the app."
    page.get_by_text("Why this answer?").last.click()
    page.wait_for_selector("text=Answer from FAQ")
    assert "Answer from FAQ find-iban" in page.locator("#teller-chat").inner_text()
    assert sessions_stored(server) == before + 1  # the session starts with the first press
    page.close()


def test_admin_without_a_slash_goes_to_the_admin_pages(browser: Browser, server: Server) -> None:
    import httpx

    response = httpx.get(f"{server.base}/admin", follow_redirects=False)
    assert (response.status_code, response.headers["location"]) == (307, "/admin/")
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    page.goto(f"{server.base}/admin", wait_until="load")
    page.wait_for_selector("input[type=password]", timeout=30_000)
    assert page.url == f"{server.base}/admin/login"  # not signed in yet
    page.close()


def test_an_admin_signs_in_and_out(browser: Browser, server: Server) -> None:
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    page.goto(f"{server.base}/admin/", wait_until="load")
    page.locator("input").first.fill("admin")
    page.locator("input[type=password]").fill("not the password")
    page.get_by_role("button", name="Login").click()
    assert page.get_by_role("alert").inner_text() == "Incorrect username or password."
    admin_login(page, server)
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_selector("input[type=password]", timeout=30_000)
    page.goto(f"{server.base}/admin/", wait_until="load")  # the session is over
    assert page.url == f"{server.base}/admin/login"
    page.close()


def test_the_admin_sign_in_page_wears_the_bank_colour(browser: Browser, server: Server) -> None:
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    page.goto(f"{server.base}/admin/", wait_until="load")
    login = page.get_by_role("button", name="Login")
    login.wait_for(timeout=30_000)
    assert login.evaluate("b => getComputedStyle(b).backgroundColor") == BRAND_RGB
    page.goto(f"{server.base}/", wait_until="load")  # the same colour as the chat's
    send_button = page.locator("#teller-send")
    send_button.wait_for(timeout=60_000)
    assert send_button.evaluate("b => getComputedStyle(b).backgroundColor") == BRAND_RGB
    page.close()


def test_no_gradio_footer_on_the_chat_or_the_admin_pages(
        browser: Browser, chat: Page, server: Server) -> None:
    admin = browser.new_page(viewport={"width": 1200, "height": 1000})
    admin_login(admin, server)
    for page in (chat, admin):
        text = page.locator("body").inner_text()
        assert "Use via API" not in text and "Built with Gradio" not in text
        assert page.locator("footer").count() == 0
    admin.close()


def inside(box: FloatRect | None, outer: FloatRect) -> bool:
    return box is not None and (
        box["x"] >= outer["x"] and box["y"] >= outer["y"]
        and box["x"] + box["width"] <= outer["x"] + outer["width"]
        and box["y"] + box["height"] <= outer["y"] + outer["height"])


@pytest.mark.parametrize("width,height", [(1280, 900), (390, 844)])
def test_the_widget_draws_its_icon_and_its_chat_fits_the_window(
        browser: Browser, server: Server, width: int, height: int) -> None:
    page = browser.new_page(viewport={"width": width, "height": height})
    page.goto(f"{server.base}/widget/demo", wait_until="load")
    bubble = page.locator("#teller-widget-button")
    bubble.wait_for()
    assert bubble.inner_text().strip() == ""  # no emoji or icon-font character to go missing
    icon = bubble.locator("svg path")
    assert icon.count() == 1 and icon.get_attribute("d")
    icon_box = bubble.locator("svg").bounding_box()
    assert icon_box is not None and icon_box["width"] >= 20 and icon_box["height"] >= 20
    bubble.click()
    frame = page.frame_locator("#teller-widget-frame")
    frame.locator("#teller-chat .message-row.bot-row").wait_for(timeout=60_000)  # laid out
    frame.locator(".quick-reply").first.wait_for()
    viewport: FloatRect = {"x": 0, "y": 0, "width": width, "height": height}
    panel = page.locator("#teller-widget-panel").bounding_box()
    assert panel is not None and inside(panel, viewport)
    for control in ("#teller-input textarea", "#teller-send"):
        box = frame.locator(control).bounding_box()
        assert inside(box, panel), f"{control} at {box} is not inside the panel {panel}"
    page.close()


def test_an_imported_file_waits_as_a_draft_then_is_published_and_answered(
        browser: Browser, server: Server, tmp_path: Path) -> None:
    sheet = tmp_path / "card-prices.csv"
    sheet.write_text("Question,Answer\nWhat does the Tiny Gold card cost per month?,"
                     "The Tiny Gold card costs 3 euro a month.\n", encoding="utf-8")
    page = browser.new_page(viewport={"width": 1200, "height": 1400})
    admin_login(page, server)
    page.get_by_role("tab", name="Import").click()
    page.locator("#import-files input[type=file]").set_input_files(str(sheet))
    page.wait_for_function("() => document.querySelector('#import-files').innerText"
                           ".includes('card-prices.csv')", timeout=30_000)
    page.locator("#import-start").click()
    page.wait_for_function("() => document.querySelector('#import-status').innerText"
                           ".includes('waiting for review')", timeout=60_000)
    assert (server.kb_dir / "imported-card-prices-csv.draft.yaml").is_file()
    page.wait_for_function("() => document.querySelector('#import-items').innerText"
                           ".includes('Tiny Gold')", timeout=30_000)
    page.locator("#import-items").get_by_text("faq:card-prices-").filter(visible=True).first.click()
    page.wait_for_function("() => document.querySelector('#import-item-yaml').innerText"
                           ".includes('The Tiny Gold card costs 3 euro a month')",
                           timeout=30_000)
    page.locator("#import-publish").click()
    page.wait_for_function("() => document.querySelector('#import-status').innerText"
                           ".includes('Published')", timeout=60_000)
    assert (server.kb_dir / "imported-card-prices-csv.yaml").is_file()
    page.goto(f"{server.base}/", wait_until="load")
    page.wait_for_selector("#teller-input textarea", timeout=60_000)
    send(page, "What does the Tiny Gold card cost per month?")
    assert "3 euro a month" in bot_messages(page)[-1]
    page.close()
