"""Prometheus metrics for `GET /metrics`: requests, message latency, intents, messages by
channel and replies by kind (fallbacks, out of scope, handoffs, tool results...). One
registry per runtime, so several in one process (tests, workers) never clash."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from bot.response import BotResponse

LATENCY_BUCKETS = (0.005, 0.01, 0.015, 0.02, 0.03, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)
CONTENT_TYPE = CONTENT_TYPE_LATEST


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "teller_http_requests", "HTTP requests by route and status code",
            ["route", "status"], registry=self.registry)
        self.latency = Histogram(
            "teller_message_latency_seconds", "Time to handle one message (server side)",
            buckets=LATENCY_BUCKETS, registry=self.registry)
        self.intents = Counter(
            "teller_intents", "Messages by recognised top intent", ["intent"],
            registry=self.registry)
        self.replies = Counter(
            "teller_replies", "Replies by what the assistant did (answer_faq, fallback, "
            "out_of_scope, handoff, form_ask, tool_result...)", ["action"],
            registry=self.registry)
        self.messages = Counter(
            "teller_channel_messages", "Messages answered, by channel (api, rasa-rest, "
            "web-chat, cli)", ["channel"], registry=self.registry)

    def observe_reply(self, reply: BotResponse, channel: str) -> None:
        self.messages.labels(channel).inc()
        self.latency.observe(reply.latency_ms / 1000)
        self.replies.labels(reply.action).inc()
        if reply.intent is not None:
            self.intents.labels(reply.intent.name).inc()

    def observe_request(self, route: str, status: int) -> None:
        self.requests.labels(route, str(status)).inc()

    def render(self) -> bytes:
        return generate_latest(self.registry)
