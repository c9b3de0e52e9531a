"""Background tasks of the bank feed. They take ids and are safe to run twice."""
from light.banking import services, sync
from light.banking.models import StripeConnection
from light.jobs.clock import periodic


def sync_connection(connection_id: int, trigger: str = "manual") -> str:
    run = sync.sync_connection(connection_id, trigger)
    if run is None:
        return "connection not active"
    if run.error:
        return run.error
    return f"{run.created_count:,} new, {run.updated_count:,} updated"


def sync_all() -> str:
    """The clock's task: one sync per active connection (never two at once for one connection)."""
    jobs = [services.start_sync(c, "clock") for c in StripeConnection.query.filter_by(status="active")]
    return f"{len([j for j in jobs if j])} syncs queued"


periodic("bank_feed_sync", "light.banking.jobs.sync_all", "SYNC_INTERVAL_MINUTES", "Sync Stripe bank feeds")
