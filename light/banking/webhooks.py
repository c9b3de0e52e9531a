"""Connect webhooks that concern the bank feed (routed by light/stripe_events.py). Events arrive
duplicated and out of order: each handler only queues a sync (which reads Stripe itself) or checks
the event's time."""
from light.banking import services


def feed_changed(event) -> None:
    if event.account:
        services.sync_connections_for(event.account, "webhook")


def payout_changed(event) -> None:
    if event.account and event.payload.get("id"):
        # A paid payout can still fail later: have the sync read this one from Stripe again.
        services.reopen_payout(event.account, event.payload["id"])
    feed_changed(event)


def deauthorized(event) -> None:
    if event.account:
        services.revoked_by_stripe(event.account, event.created, event.livemode)
