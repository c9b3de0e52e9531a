"""Receiving Stripe webhooks: verify, record once, answer fast, work in a job."""
from sqlalchemy.exc import IntegrityError

from light.extensions import db
from light.plumbing.jobs.queue import enqueue
from light.plumbing.stripe_gateway import SignatureInvalid, StripeGateway
from light.plumbing.webhooks.dispatch import handlers_for
from light.plumbing.webhooks.models import StripeEvent
from light.utc import utcnow


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
            # Stripe retries what Light hasn't processed yet: if the job failed (Stripe was
            # unreachable, say), this retry runs it again; if it is still queued, it stays one job.
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
        enqueue(process, record.id, record.endpoint, kind="stripe_event",
                description=f"Stripe event {record.type}", organization_id=record.organization_id,
                active_key=f"stripe_event:{record.endpoint}:{record.id}")
    else:
        record.processed_at = utcnow()
        db.session.commit()


def process(event_id: str, endpoint: str) -> str:
    """The job: run every handler for the event, once."""
    record = db.session.get(StripeEvent, (event_id, endpoint))
    if record is None or record.processed_at is not None:
        return "already processed"
    for handler in handlers_for(record.endpoint, record.type):
        handler(record)
    record.processed_at = utcnow()
    record.error = None
    db.session.commit()
    return f"processed {record.type}"
