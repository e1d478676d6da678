"""The allocation as a bar chart (PNG), for the chat."""

from __future__ import annotations

import io
from typing import Final

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from bot.tools.portfolio.recommendation import PortfolioRecommendation

CHART_MIN_WEIGHT: Final = 0.0005  # hide slices that would print as 0.0%


def allocation_chart_png(rec: PortfolioRecommendation) -> bytes:
    """A horizontal bar chart of the allocation with percentages, as PNG bytes.

    Uses a standalone `Figure` with an Agg canvas, so pyplot's global state is untouched.
    """
    shown = [(rec.labels[name], w) for name, w in rec.weights.items() if w >= CHART_MIN_WEIGHT]
    shown.reverse()  # largest on top
    figure = Figure(figsize=(7.0, 0.5 * len(shown) + 1.6), dpi=100, layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    labels, weights = [s[0] for s in shown], [100.0 * s[1] for s in shown]
    bars = axes.barh(labels, weights, color="#2f6f9f")
    axes.bar_label(bars, labels=[f"{w:.1f}%" for w in weights], padding=3)
    axes.set_xlim(0, max(weights) * 1.18)
    axes.set_xlabel("Share of the portfolio (%)")
    axes.set_title(f"Suggested mix: {rec.risk_label} (risk score {rec.risk_score})\n"
                   f"expected {rec.expected_return:.1%} a year, volatility {rec.volatility:.1%}",
                   fontsize=10)
    axes.spines[["top", "right"]].set_visible(False)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
