"""The portfolio advisor a setting names (`TELLER_PORTFOLIO_ADVISOR`)."""

from __future__ import annotations

from bot.errors import ConfigurationError
from bot.tools.plugins import load_plugin
from bot.tools.portfolio.recommendation import PortfolioAdvisor


class PortfolioAdvisorError(ConfigurationError):
    """A portfolio advisor spec that cannot be loaded."""


def _reference() -> PortfolioAdvisor:
    from bot.tools.portfolio.reference import ReferencePortfolioAdvisor  # scipy: on demand

    return ReferencePortfolioAdvisor()


def _http(url: str) -> PortfolioAdvisor:
    from bot.tools.portfolio.http import HttpPortfolioAdvisor

    return HttpPortfolioAdvisor(url)


def load_portfolio_advisor(spec: str) -> PortfolioAdvisor:
    """"reference" (Teller's model over the shipped assumptions), "package.module:ClassName"
    (created with no arguments) or an http(s) URL."""
    return load_plugin(spec, what="portfolio advisor", method="recommend",
                       reference=_reference, http=_http, error=PortfolioAdvisorError)
