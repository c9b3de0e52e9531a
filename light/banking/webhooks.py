"""Connect webhooks that concern the bank feed (routed by light/stripe_events.py). Events arrive
duplicated and out of order: each handler only queues a sync (which reads Stripe itself) or checks
the event's time. A burst of them makes one sync, and one follow-up for those that arrive while it
runs (services.start_sync(coalesce=True)); an event that moves no money makes none."""
from light.banking import services

# The charge events that add or change a balance transaction; the others of "charge." (updated,
# pending, failed, expired, captured-less authorizations) move no money, so need no sync.
MONEY_EVENTS = frozenset({
    "balance.available", "charge.succeeded", "charge.captured", "charge.refunded", "charge.refund.updated",
    "charge.dispute.created", "charge.dispute.closed", "charge.dispute.funds_withdrawn",
    "charge.dispute.funds_reinstated",
})


def feed_changed(event) -> None:
    if event.account and event.type in MONEY_EVENTS:
        # A sync that started after the event already read it (a late retry, a replay): none needed.
        services.sync_connections_for(event.account, "webhook", changed_at=event.created)


def payout_changed(event) -> None:
    if not event.account:
        return
    if event.payload.get("id"):
        # A paid payout can still fail later: have the sync read this one from Stripe again.
        services.reopen_payout(event.account, event.payload["id"])
    services.sync_connections_for(event.account, "webhook")


def deauthorized(event) -> None:
    if event.account:
        services.revoked_by_stripe(event.account, event.created, event.livemode)
