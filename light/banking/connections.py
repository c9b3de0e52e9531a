"""Ending a Stripe connection: shared by Disconnect, a revocation Stripe reports, and a sync
that finds its access gone."""
from light.banking.models import StripeConnection
from light.extensions import db
from light.utc import utcnow


def end_connection(connection: StripeConnection, status: str) -> None:
    """Stop syncing (revoked at Stripe, or disconnected here): tokens forgotten, history kept."""
    if connection.status == "active" or connection.ended_at is None:
        connection.ended_at = utcnow()
    if connection.status == "active" or status == "disconnected":
        connection.status = status
    connection.access_token = connection.refresh_token = None
    db.session.commit()
