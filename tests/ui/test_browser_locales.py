"""The web chat in the customer's language, in a real browser: the page's own words (Gradio's
i18n, the widget's `data-locale`), and replies in the language of each message."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page

from bot.config import Settings
from tests.servers import free_port, wait_ready
from tests.ui.conftest import CHROMIUM
from tests.ui.test_browser import bot_messages, send

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(),
                                reason=f"{CHROMIUM} not found: apt-get install chromium")


@pytest.fixture(scope="module")
def zh_server(zh_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`teller serve` on the tiny KB with its Chinese locale (models trained by zh_settings)."""
    folder = tmp_path_factory.mktemp("browser-zh")
    data_dir = folder / "data"
    # the models and indexes; the multilingual encoder stays a link to the shared one
    shutil.copytree(zh_settings.data_dir, data_dir, symlinks=True)
    port = free_port()
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TELLER_KB_DIR": str(zh_settings.kb_dir),
           "TELLER_DATA_DIR": str(data_dir), "TELLER_INTENT_MODEL": "embedding-head",
           "TELLER_DEVICE": "cpu", "TELLER_DATABASE_URL": f"sqlite:///{folder / 'teller.db'}",
           "TELLER_MODEL_RELOAD_SECONDS": "0"}
    log = folder / "server.log"
    process = subprocess.Popen([sys.executable, "-m", "bot.cli", "serve", "--port", str(port)],
                               env=env, stdout=log.open("w"), stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    wait_ready(base, process, log)
    yield base
    process.terminate()
    process.wait(timeout=30)


def open_chat(browser: Browser, url: str, browser_locale: str = "en-US") -> Page:
    page = browser.new_context(locale=browser_locale,
                               viewport={"width": 1100, "height": 900}).new_page()
    page.goto(url, wait_until="load")
    page.wait_for_selector("#teller-input textarea", timeout=60_000)
    return page


def wait_for_words(page: Page, send_title: str) -> None:
    """The page load sets the page's words; wait until the Send button shows them."""
    page.wait_for_function(
        "t => document.querySelector('#teller-send').innerText.trim() === t",
        arg=send_title, timeout=30_000)


def test_the_page_s_locale_sets_its_words_and_the_language_it_reads(
        browser: Browser, zh_server: str) -> None:
    page = open_chat(browser, f"{zh_server}/?locale=zh")  # the widget's data-locale="zh"
    wait_for_words(page, "发送")
    assert page.locator("#teller-input textarea").get_attribute(
        "placeholder") == "请输入您的问题，按回车发送"
    assert "智能助手" in page.locator("#teller-header").inner_text()
    assert page.locator("#teller-person").inner_text().strip() == "转人工客服"
    send(page, "我的卡丢了")
    answer = bot_messages(page)[-1]
    assert "冻结" in answer or "挂失" in answer, answer
    assert "为什么这样回答？" in answer
    page.close()


def test_a_chinese_browser_gets_the_chat_in_chinese(browser: Browser, zh_server: str) -> None:
    page = open_chat(browser, f"{zh_server}/", browser_locale="zh-CN")
    wait_for_words(page, "发送")
    page.close()


def test_an_english_page_answers_a_chinese_message_in_chinese(
        browser: Browser, zh_server: str) -> None:
    page = open_chat(browser, f"{zh_server}/")
    wait_for_words(page, "Send")
    send(page, "我的卡丢了")
    answer = bot_messages(page)[-1]
    assert "冻结" in answer or "挂失" in answer, answer
    send(page, "my card has not arrived yet")
    assert "5 working days" in bot_messages(page)[-1]
    page.close()


def test_the_widget_passes_its_locale_to_the_chat(browser: Browser, zh_server: str,
                                                  tmp_path: Path) -> None:
    page = browser.new_page()
    page.goto(f"{zh_server}/widget/demo", wait_until="load")
    page.evaluate("""() => {
        document.getElementById('teller-widget-button')?.remove();
        document.getElementById('teller-widget-panel')?.remove();
        const s = document.createElement('script');
        s.src = '/widget.js'; s.setAttribute('data-locale', 'zh');
        document.body.appendChild(s);
    }""")
    page.wait_for_selector("#teller-widget-button")
    page.locator("#teller-widget-button").click()
    source = page.locator("#teller-widget-frame").get_attribute("src")
    assert source is not None and source.endswith("/?locale=zh")
    frame = page.frame_locator("#teller-widget-frame")
    frame.locator("#teller-send").wait_for(timeout=60_000)
    page.wait_for_function(
        "() => document.querySelector('#teller-widget-frame').contentDocument"
        ".querySelector('#teller-send').innerText.trim() === '发送'", timeout=30_000)
    page.close()
