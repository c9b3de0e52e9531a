"""Matching a received Stripe event to its handlers in the table (light/stripe_events.py)."""
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from flask import current_app


@dataclass(frozen=True)
class Route:
    endpoint: str  # "connect" (the bank feed) or "integration" (payments)
    type: str  # an exact event type, or a prefix ending in "."
    handler: Callable

    def matches(self, endpoint: str, event_type: str) -> bool:
        if self.endpoint != endpoint.split(":", 1)[0]:
            return False
        return event_type == self.type or (self.type.endswith(".") and event_type.startswith(self.type))


def handlers_for(endpoint: str, event_type: str, table: Sequence[Route] | None = None) -> list[Callable]:
    table = current_app.extensions["light_stripe_events"] if table is None else table
    return [route.handler for route in table if route.matches(endpoint, event_type)]


@dataclass(frozen=True)
class SigningSecrets:
    connect: Callable[[], list[str]]
    # integration id -> (organization id, secrets), or None for an unknown or removed integration
    integration: Callable[[int], tuple[int, list[str]] | None]


def signing_secrets() -> SigningSecrets:
    return current_app.extensions["light_signing_secrets"]
