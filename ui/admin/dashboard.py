"""The Dashboard tab: conversations, containment, fallbacks and feedback of the last 30 days."""

from __future__ import annotations

import gradio as gr
import pandas as pd
from sqlalchemy.engine import Engine

from bot.storage.analytics import dashboard

NO_DATABASE = "No database: the dashboard needs the SQL store."
DashboardView = tuple[str, pd.DataFrame | None, pd.DataFrame | None, pd.DataFrame | None]


def _percent(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.0%}"


def dashboard_view(engine: Engine | None) -> DashboardView:
    """The summary line and the three charts' tables (read only)."""
    if engine is None:
        return NO_DATABASE, None, None, None
    figures = dashboard(engine)
    up, down = figures.feedback.get("up", 0), figures.feedback.get("down", 0)
    summary = (
        f"**Last {figures.days} days:** {figures.conversations} conversations, "
        f"{figures.turns} messages. **Containment** (no person offered): "
        f"{_percent(figures.containment)}. **Fallback rate**: "
        f"{_percent(figures.fallback_rate)}. **Feedback**: {up} up, {down} down."
    )
    per_day = pd.DataFrame([{"day": d.isoformat(), "conversations": n}
                            for d, n in figures.conversations_per_day],
                           columns=["day", "conversations"])
    intents = pd.DataFrame([{"intent": name, "messages": n} for name, n in figures.top_intents],
                           columns=["intent", "messages"])
    feedback = pd.DataFrame([{"rating": "up", "count": up}, {"rating": "down", "count": down}])
    return summary, per_day, intents, feedback


def build_dashboard_tab(engine: Engine | None, page: gr.Blocks) -> None:
    """The tab, filled when the page loads and on Refresh. `engine`: the conversation
    store's database (None for the in-memory store)."""
    with gr.Tab("Dashboard", id="dashboard"):
        summary = gr.Markdown(elem_id="admin-summary")
        with gr.Row():
            per_day = gr.BarPlot(x="day", y="conversations", y_lim=[0, None],
                                 title="Conversations per day", height=260)
            feedback = gr.BarPlot(x="rating", y="count", y_lim=[0, None], title="Feedback",
                                  height=260)
        intents = gr.BarPlot(x="intent", y="messages", y_lim=[0, None], sort="-y",
                             x_label_angle=-30, title="Top intents", height=340)
        refresh = gr.Button("Refresh", size="sm")

    def show() -> DashboardView:
        return dashboard_view(engine)

    outputs = [summary, per_day, intents, feedback]
    refresh.click(show, None, outputs)
    page.load(show, None, outputs)
