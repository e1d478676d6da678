"""Take the README's screenshots from a running Teller (default KB), in Debian's Chromium.

    TELLER_ADMIN_PASSWORD=... teller serve --port 8011 &
    python docs/screenshots.py --url http://127.0.0.1:8011 --password ...
"""

from __future__ import annotations

import argparse
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

HERE = Path(__file__).parent
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run"]


def say(page: Page, text: str) -> None:
    before = page.locator("#teller-chat .message-row").count()
    box = page.locator("#teller-input textarea")
    box.fill(text)
    box.press("Enter")
    page.wait_for_function(
        "n => document.querySelectorAll('#teller-chat .message-row').length > n", arg=before)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--user", default="admin")
    parser.add_argument("--password", default="teller-dev-admin")
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    args = parser.parse_args()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=args.chromium, args=ARGS)
        page = browser.new_page(viewport={"width": 1000, "height": 1000})
        page.goto(f"{args.url}/", wait_until="load")
        page.wait_for_selector("#teller-input textarea", timeout=60_000)
        say(page, "my card still hasnt arrived")
        page.get_by_text("Why this answer?").last.click()
        say(page, "what's the weather in Rome?")
        page.wait_for_timeout(800)
        page.screenshot(path=HERE / "chat.png")

        phone = browser.new_page(viewport={"width": 390, "height": 844}, device_scale_factor=2)
        phone.goto(f"{args.url}/", wait_until="load")
        phone.wait_for_selector("#teller-input textarea", timeout=60_000)
        for text in ["/form:portfolio_advice", "35", "10 years"]:
            say(phone, text)
        for _ in range(3):
            before = phone.locator("#teller-chat .message-row").count()
            phone.locator(".quick-reply").first.click()
            phone.wait_for_function(
                "n => document.querySelectorAll('#teller-chat .message-row').length > n",
                arg=before)
        phone.wait_for_timeout(800)
        phone.screenshot(path=HERE / "chat-phone.png")

        admin = browser.new_page(viewport={"width": 1200, "height": 950})
        admin.goto(f"{args.url}/admin/", wait_until="load")
        admin.wait_for_selector("input[type=password]")
        admin.locator("input").first.fill(args.user)
        admin.locator("input[type=password]").fill(args.password)
        admin.get_by_role("button", name="Login").click()
        admin.wait_for_selector("#admin-summary")
        admin.wait_for_timeout(2500)
        admin.screenshot(path=HERE / "admin-dashboard.png")
        browser.close()


if __name__ == "__main__":
    main()
