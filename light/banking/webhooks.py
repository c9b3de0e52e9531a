"""Connect webhooks that concern the bank feed. Events arrive duplicated and out of order:
each handler only queues a sync (which reads Stripe itself) or checks the event's time."""
from light.banking import services
from light.webhooks.dispatch import on


@on("balance.available", endpoint="connect")
@on("payout.", endpoint="connect")
@on("charge.", endpoint="connect")
def feed_changed(event) -> None:
    if event.account:
        if event.type.startswith("payout.") and event.payload.get("id"):
            # A paid payout can still fail later: have the sync read this one from Stripe again.
            services.reopen_payout(event.account, event.payload["id"])
        services.sync_connections_for(event.account, "webhook")


@on("account.application.deauthorized", endpoint="connect")
def deauthorized(event) -> None:
    if event.account:
        services.revoked_by_stripe(event.account, event.created, event.livemode)
