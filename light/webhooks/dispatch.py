"""Which area handles which Stripe event. Areas register handlers at import time:

    @on("payout.")            # a prefix, or an exact type
    def payout_changed(event: StripeEvent) -> None: ...

Handlers must be idempotent and should re-fetch from Stripe where order matters: events arrive
duplicated and out of order.
"""
from collections.abc import Callable

HANDLERS: list[tuple[str, str, Callable]] = []  # (endpoint kind, type prefix, handler)


def on(type_prefix: str, *, endpoint: str = "any"):
    """endpoint: "connect" (bank feed), "integration" (payments) or "any"."""

    def register(handler: Callable) -> Callable:
        if (endpoint, type_prefix, handler) not in HANDLERS:
            HANDLERS.append((endpoint, type_prefix, handler))
        return handler

    return register


def handlers_for(endpoint: str, event_type: str) -> list[Callable]:
    kind = endpoint.split(":", 1)[0]
    return [h for (ep, prefix, h) in HANDLERS
            if ep in ("any", kind) and (event_type == prefix or (prefix.endswith(".") and event_type.startswith(prefix)))]
