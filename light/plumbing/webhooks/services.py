"""Receiving Stripe webhooks: verify, record once, answer fast, work in a job.

The work is one job per endpoint, not one per event: `process_pending` drains every event the
endpoint has not processed yet, oldest first, and an event that arrives while it runs asks it to
drain once more when done (queue.enqueue(coalesce=True)). A burst of a thousand events is a job
or two, not a thousand."""
import logging

from sqlalchemy.exc import IntegrityError

from light.extensions import db
from light.plumbing.jobs.queue import enqueue
from light.plumbing.jobs.runner import report_progress
from light.plumbing.stripe_gateway import SignatureInvalid, StripeGateway
from light.plumbing.webhooks.dispatch import handlers_for
from light.plumbing.webhooks.models import StripeEvent
from light.utc import utcnow

log = logging.getLogger(__name__)
BATCH = 200
MAX_PER_RUN = 5000  # then the job queues itself once more, so other work gets a turn


class BadSignature(Exception):
    pass


def receive(*, payload: bytes, signature: str, secrets: list[str], endpoint: str,
            organization_id: int | None) -> tuple[StripeEvent | None, bool]:
    """Returns (event, is_new). Raises BadSignature, having written nothing, unless one of the
    endpoint's secrets signed this exact payload."""
    event = None
    for secret in secrets:
        try:
            event = StripeGateway.parse_event(payload, signature or "", secret)
            break
        except SignatureInvalid:
            continue
    if event is None:
        raise BadSignature()
    existing = db.session.get(StripeEvent, (event.id, endpoint))
    if existing is not None:
        if existing.processed_at is None:
            # Stripe retries what Light hasn't processed yet: if its handler failed (Stripe was
            # unreachable, say), this retry runs it again; if it is still waiting, it stays one job.
            existing.error = None
            db.session.commit()
            _start_processing(existing)
        return existing, False
    record = StripeEvent(id=event.id, endpoint=endpoint, organization_id=organization_id, account=event.account,
                         type=event.type, livemode=event.livemode, created=event.created,
                         payload=event.object)
    db.session.add(record)
    try:
        db.session.commit()
    except IntegrityError:  # the same event, delivered twice at once
        db.session.rollback()
        return db.session.get(StripeEvent, (event.id, endpoint)), False
    _start_processing(record)
    return record, True


def _start_processing(record: StripeEvent) -> None:
    if handlers_for(record.endpoint, record.type):
        enqueue(process_pending, record.endpoint, kind="stripe_event", description="Stripe events",
                organization_id=record.organization_id, active_key=f"stripe_events:{record.endpoint}",
                coalesce=True)
    else:
        record.processed_at = utcnow()
        db.session.commit()


def process_pending(endpoint: str) -> str:
    """The job: run the handlers of every event of `endpoint` not processed yet, each once.

    An event whose handler fails keeps its error and waits for Stripe's retry (receive() clears the
    error); the events after it are processed all the same."""
    processed = failed = 0
    while processed + failed < MAX_PER_RUN:
        batch = StripeEvent.query.filter(
            StripeEvent.endpoint == endpoint, StripeEvent.processed_at.is_(None), StripeEvent.error.is_(None),
        ).order_by(StripeEvent.created, StripeEvent.id).limit(BATCH).all()
        if not batch:
            break
        for record in batch:
            if _process_one(record):
                processed += 1
            else:
                failed += 1
        report_progress(50, f"{processed:,} events processed")
    else:
        enqueue(process_pending, endpoint, kind="stripe_event", description="Stripe events",
                organization_id=None, active_key=f"stripe_events:{endpoint}", coalesce=True)
    return f"{processed:,} events processed" + (f", {failed:,} failed (Stripe will retry them)" if failed else "")


def _process_one(record: StripeEvent) -> bool:
    event_id, endpoint = record.id, record.endpoint
    try:
        for handler in handlers_for(record.endpoint, record.type):
            handler(record)
    except Exception as exc:  # noqa: BLE001 - recorded on the event; the others go on
        db.session.rollback()
        log.exception("Stripe event %s (%s) failed", event_id, endpoint)
        db.session.query(StripeEvent).filter_by(id=event_id, endpoint=endpoint).update(
            {"error": f"{type(exc).__name__}: {exc}"[:2000]})
        db.session.commit()
        return False
    record.processed_at = utcnow()
    record.error = None
    db.session.commit()
    return True


def process(event_id: str, endpoint: str) -> str:
    """One event's job, as queued before events were drained per endpoint (jobs still on a queue
    from then run as they were): run every handler for the event, once."""
    record = db.session.get(StripeEvent, (event_id, endpoint))
    if record is None or record.processed_at is not None:
        return "already processed"
    for handler in handlers_for(record.endpoint, record.type):
        handler(record)
    record.processed_at = utcnow()
    record.error = None
    db.session.commit()
    return f"processed {record.type}"
