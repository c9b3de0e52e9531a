"""Polling each connected org for won deals, as an RQ job by the clock (light/schedule.py).

One call when nothing changed: SOQL `IsWon = true AND SystemModstamp > watermark - overlap`,
following nextRecordsUrl. The overlap catches long transactions that commit late; the deals'
unique rows, not the watermark, make each deal invoiced once. A connection's poll runs as a job
with an active key, so two polls of one connection never run at once."""
import logging
from datetime import timedelta

from flask import current_app
from sqlalchemy.exc import OperationalError

from light.extensions import db
from light.plumbing.jobs.queue import enqueue
from light.plumbing.salesforce_gateway import (
    ApiLimited,
    OpportunityFields,
    ReconnectNeeded,
    SalesforceError,
)
from light.salesforce import aftercare, invoicing, services, writeback
from light.salesforce.models import SalesforceConnection, SalesforceDeal
from light.utc import utcnow

log = logging.getLogger(__name__)
BUSY_SHARE = 0.8  # above this share of the org's daily API requests, Light polls at a quarter of the pace


def poll_all() -> str:
    """The clock's task: start one poll job per active connection (a running one is left alone)."""
    ids = [i for i, in db.session.query(SalesforceConnection.id).filter(SalesforceConnection.status == "active")]
    for connection_id in ids:
        start_poll(connection_id)
    return f"{len(ids)} Salesforce connections polled"


def start_poll(connection_id: int, *, coalesce: bool = False):
    """With `coalesce` (an Outbound Message's nudge), a poll already running runs once more after."""
    connection = db.session.get(SalesforceConnection, connection_id)
    return enqueue(poll, connection_id, kind="salesforce_poll", description="Looking for deals won in Salesforce",
                   organization_id=connection.organization_id, active_key=f"salesforce-poll:{connection_id}",
                   coalesce=coalesce)


def fields_of(connection: SalesforceConnection) -> OpportunityFields:
    return OpportunityFields(names=frozenset(connection.field_names or ()), multi_currency=connection.multi_currency,
                             write_back=tuple(connection.write_back_fields or ()))


def watermark_after(current, seen) -> object:
    """The watermark never moves back (a late-committed change is caught by the overlap instead)."""
    newest = max(seen, default=None)
    if current is None:
        return newest
    return current if newest is None or newest <= current else newest


def poll(connection_id: int) -> str:
    connection = db.session.get(SalesforceConnection, connection_id)
    if connection is None or connection.status != "active":
        return "not connected"
    invoicing.resume_unfinished(connection_id)
    if _resting(connection):
        return "resting: the org used most of its daily API requests"
    client = services.client_for(connection)
    overlap = timedelta(seconds=current_app.config["SALESFORCE_OVERLAP_SECONDS"])
    since = connection.watermark - overlap if connection.watermark else None
    outcomes: dict[str, int] = {}
    seen = []
    try:
        for opportunity in client.won_since(fields_of(connection), since):
            outcome = _handle(connection, opportunity)
            outcomes[outcome] = outcomes.get(outcome, 0) + 1
            seen.append(opportunity.system_modstamp.replace(tzinfo=None))
        written = writeback.write_back(connection, client)
        if written:
            outcomes["written back"] = written
        flagged = aftercare.recheck(connection, client, fields_of(connection))
        if flagged:
            outcomes["flagged on their invoice"] = flagged
    except ReconnectNeeded as lost:
        db.session.rollback()
        services.mark_reconnect_needed(connection_id, lost.message)
        return "reconnect needed"
    except SalesforceError as failed:
        db.session.rollback()
        _record(connection_id, client, watermark=None, error=failed.message,
                exhausted=isinstance(failed, ApiLimited))
        return f"not polled: {failed.message}" if not isinstance(failed, ApiLimited) else "API limit reached"
    # A deal left for later keeps the watermark where it was, so the next poll sees it again.
    watermark = None if outcomes.get("left for the next poll") else watermark_after(connection.watermark, seen)
    _record(connection_id, client, watermark=watermark, error=None)
    # Deals seen before come back in every overlap: only what this poll did is worth saying.
    return ", ".join(f"{n} {what}" for what, n in sorted(outcomes.items()) if what != "seen") or "no newly won deals"


def _handle(connection: SalesforceConnection, opportunity) -> str:
    deal = SalesforceDeal.query.filter_by(connection_id=connection.id, opportunity_id=opportunity.id).first()
    try:
        return invoicing.handle_won(connection, opportunity, deal)
    except OperationalError:
        # SQLite refuses a write whose snapshot another worker's commit made stale ("database is
        # locked"); PostgreSQL waits instead. Either way the deal's unique row decides next time.
        db.session.rollback()
        log.info("salesforce deal %s left for the next poll (database busy)", opportunity.id)
        return "left for the next poll"


def _resting(connection: SalesforceConnection) -> bool:
    if not connection.api_limit or not connection.api_used or connection.api_used < BUSY_SHARE * connection.api_limit:
        return False
    every = timedelta(seconds=4 * current_app.config["SALESFORCE_POLL_SECONDS"])
    return connection.last_poll_at is not None and utcnow() - connection.last_poll_at < every


def _record(connection_id: int, client, *, watermark, error: str | None, exhausted: bool = False) -> None:
    values = {"last_poll_at": utcnow(), "last_poll_error": error[:500] if error else None}
    if exhausted:  # REQUEST_LIMIT_EXCEEDED: rest as if every request was used (see _resting)
        limit = (client.usage.limit if client.usage else None) or 1
        values.update(api_used=limit, api_limit=limit)
    elif client.usage is not None:
        values.update(api_used=client.usage.used, api_limit=client.usage.limit)
    if watermark is not None:
        values["watermark"] = watermark
    # Only forward: a poll that started earlier and finished later must not move it back.
    query = db.session.query(SalesforceConnection).filter(SalesforceConnection.id == connection_id)
    if watermark is not None:
        query = query.filter((SalesforceConnection.watermark.is_(None)) | (SalesforceConnection.watermark <= watermark))
    if not query.update(values, synchronize_session=False) and watermark is not None:
        values.pop("watermark")
        db.session.query(SalesforceConnection).filter(SalesforceConnection.id == connection_id).update(
            values, synchronize_session=False)
    db.session.commit()


def retry_deal(connection_id: int, deal_id: int) -> str:
    """An owner's "Try again" on a deal that needs attention (say after fixing the customer in Light):
    the opportunity is read afresh from Salesforce and handled like a newly won one."""
    connection = db.session.get(SalesforceConnection, connection_id)
    deal = db.session.get(SalesforceDeal, deal_id)
    if connection is None or connection.status != "active" or deal is None or deal.connection_id != connection_id:
        return "not connected"
    if deal.status != "needs_attention":
        return "nothing to retry"
    if deal.invoice_id is not None:
        invoicing.resume_unfinished(connection_id)
        return "retried"
    try:
        found = services.client_for(connection).won_by_ids(fields_of(connection), [deal.opportunity_id])
    except ReconnectNeeded as lost:
        services.mark_reconnect_needed(connection_id, lost.message)
        return "reconnect needed"
    if not found:
        deal.reason = "The opportunity is no longer Closed/Won (or was deleted) in Salesforce."
        db.session.commit()
        return "no longer won"
    return invoicing.handle_won(connection, found[0], deal)
