"""Puts the web pages on the API's FastAPI app: the customer chat at `/`, the admin pages at
`/admin` (behind a login), the chat widget's script at `/widget.js` and its demo page."""

from __future__ import annotations

import logging
from pathlib import Path

import gradio as gr
from fastapi import FastAPI
from fastapi.responses import FileResponse

from bot.config import Settings
from bot.runtime import Runtime
from ui.chat import build_chat_ui, chat_css

log = logging.getLogger(__name__)
STATIC = Path(__file__).parent / "static"
DEV_ADMIN_PASSWORD = "teller-dev-admin"


def admin_password(settings: Settings) -> str | None:
    """The admin password; a logged default in development, none (admin off) in production."""
    if settings.admin_password is not None:
        return settings.admin_password.get_secret_value()
    if settings.environment == "development":
        log.warning("development mode: admin pages at /admin accept %s / %s; set "
                    "TELLER_ADMIN_PASSWORD", settings.admin_username, DEV_ADMIN_PASSWORD)
        return DEV_ADMIN_PASSWORD
    log.warning("admin pages are off: set TELLER_ADMIN_PASSWORD to turn them on")
    return None


# Gradio leaves the arrow that opens a "Why this answer?" disclosure without a name; give
# it one, so a screen reader says what the button does.
ACCESSIBILITY_HEAD = """<script>
new MutationObserver(() => {
  document.querySelectorAll('#teller-chat button.icon-button[aria-label=""]').forEach(b => {
    b.setAttribute('aria-label', 'Show or hide why the assistant gave this answer');
  });
}).observe(document.documentElement, {childList: true, subtree: true});
</script>"""


def theme() -> gr.themes.Base:
    """System fonts only: no request to a font CDN (offline machines, customers' privacy)."""
    return gr.themes.Default(
        font=["ui-sans-serif", "system-ui", "-apple-system", "Segoe UI", "sans-serif"],
        font_mono=["ui-monospace", "SFMono-Regular", "Menlo", "monospace"],
    )


def mount_ui(app: FastAPI, runtime: Runtime) -> FastAPI:
    settings = runtime.settings

    @app.get("/widget.js", include_in_schema=False)
    def widget_script() -> FileResponse:
        return FileResponse(STATIC / "widget.js", media_type="text/javascript")

    @app.get("/widget/demo", include_in_schema=False)
    def widget_demo() -> FileResponse:
        return FileResponse(STATIC / "widget-demo.html", media_type="text/html")

    password = admin_password(settings)
    if password:
        from ui.admin import build_admin_ui

        app = gr.mount_gradio_app(
            app, build_admin_ui(runtime), path="/admin",
            auth=(settings.admin_username, password),
            auth_message=f"{runtime.kb.metadata.bank_name} assistant: admin sign-in",
            css=chat_css(settings.brand_color), theme=theme(),
        )
    return gr.mount_gradio_app(app, build_chat_ui(runtime), path="/",
                               css=chat_css(settings.brand_color), theme=theme(),
                               head=ACCESSIBILITY_HEAD)
