"""Background tasks of the bank feed. They take ids and are safe to run twice."""
from light.banking import services
from light.banking.models import StripeConnection


def sync_all() -> str:
    """The clock's task: one sync per active connection (never two at once for one connection)."""
    jobs = [services.start_sync(c, "clock") for c in StripeConnection.query.filter_by(status="active")]
    return f"{len([j for j in jobs if j])} syncs queued"
