"""Puts the web pages on the API's FastAPI app: the customer chat at `/`, the admin pages at
`/admin/` (behind a login; `/admin` redirects there), the chat widget's script at
`/widget.js` and its demo page. Both Gradio apps wear the bank's colour and no Gradio footer
("Use via API", "Built with Gradio"): customers see the bank, not the toolkit."""

from __future__ import annotations

import logging
from pathlib import Path

import gradio as gr
from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, RedirectResponse
from starlette.middleware import Middleware

from bot.config import DEV_ADMIN_PASSWORD, Settings
from bot.runtime import Runtime
from ui.admin_auth import COOKIE, AdminGuard, AdminSessions, AllowedOrigins, admin_routes
from ui.chat import CHAT_CSS, PAGE_CSS, build_chat_ui, chat_i18n
from ui.gradio_guard import GradioFunctions, GradioGuard

log = logging.getLogger(__name__)
STATIC = Path(__file__).parent / "static"
ADMIN_PATH = "/admin"


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


def theme(color: str) -> gr.themes.Base:
    """The bank's colour on buttons and accents, set in the theme rather than in page CSS:
    Gradio serves the theme to its sign-in page too, the page CSS only after sign-in. System
    fonts only: no request to a font CDN (offline machines, customers' privacy)."""
    brand = {"color_accent": color, "color_accent_soft": f"{color}22",
             "button_primary_background_fill": color,
             "button_primary_background_fill_hover": color,
             "button_primary_border_color": color, "button_primary_border_color_hover": color,
             "checkbox_label_background_fill_selected": color,
             "input_border_color_focus": color}
    return gr.themes.Default(
        font=["ui-sans-serif", "system-ui", "-apple-system", "Segoe UI", "sans-serif"],
        font_mono=["ui-monospace", "SFMono-Regular", "Menlo", "monospace"],
    ).set(**brand, **{f"{name}_dark": value for name, value in brand.items()
                       if name != "color_accent"})  # the one with no dark variant


def mount_admin(app: FastAPI, runtime: Runtime, password: str) -> GradioFunctions:
    """The admin pages at /admin/, behind Teller's own sign-in (ui/admin_auth.py)."""
    from bot.limits import client_ip, make_login_throttle
    from ui.admin import build_admin_ui

    settings = runtime.settings
    sessions = AdminSessions(settings.admin_username, password)
    bank = runtime.kb.metadata.bank_name

    @app.get(ADMIN_PATH, include_in_schema=False)
    def admin_slash(request: Request) -> RedirectResponse:
        # Gradio's mount answers only below /admin/; without this the chat's catch-all
        # mount at / would answer /admin with a 404.
        return RedirectResponse(f"{request.scope.get('root_path', '')}{ADMIN_PATH}/")

    app.include_router(admin_routes(
        sessions, make_login_throttle(settings),
        lambda request: client_ip(request.scope, settings.trusted_proxies),
        title=f"{bank} assistant: admin sign-in", color=settings.brand_color,
        secure_cookie=settings.environment == "production", prefix=ADMIN_PATH))
    admin = build_admin_ui(runtime)
    gr.mount_gradio_app(
        app, admin, path=ADMIN_PATH,
        auth_dependency=lambda request: sessions.user(request.cookies.get(COOKIE)),
        css=CHAT_CSS, theme=theme(settings.brand_color), footer_links=[],
    )
    app.user_middleware.append(Middleware(
        AdminGuard, sessions=sessions, origins=AllowedOrigins.of(settings.cors_origins),
        prefix=ADMIN_PATH))
    return GradioFunctions.of(admin)


def mount_ui(app: FastAPI, runtime: Runtime) -> FastAPI:
    settings = runtime.settings

    @app.get("/widget.js", include_in_schema=False)
    def widget_script() -> FileResponse:
        return FileResponse(STATIC / "widget.js", media_type="text/javascript")

    @app.get("/widget/demo", include_in_schema=False)
    def widget_demo() -> FileResponse:
        return FileResponse(STATIC / "widget-demo.html", media_type="text/html")

    mounts: dict[str, GradioFunctions] = {}
    password = admin_password(settings)
    if password:
        mounts[ADMIN_PATH] = mount_admin(app, runtime, password)
    chat = build_chat_ui(runtime)
    mounts[""] = GradioFunctions.of(chat)
    # Innermost (appended last): inside the request log, the size limit and the admin guard.
    app.user_middleware.append(Middleware(GradioGuard, mounts=mounts))
    return gr.mount_gradio_app(app, chat, path="/", css=CHAT_CSS,
                               theme=theme(settings.brand_color),
                               i18n=chat_i18n(runtime.assistant),
                               head=f"{ACCESSIBILITY_HEAD}<style>{PAGE_CSS}</style>",
                               footer_links=[])
