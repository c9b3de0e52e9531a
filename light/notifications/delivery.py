"""The background job that e-mails the owners about one event."""
from sqlalchemy.exc import IntegrityError

from light.extensions import db
from light.notifications.models import OwnerNotification
from light.notifications.preferences import owners_to_tell
from light.plumbing import mail


def deliver(organization_id: int, kind: str, event_key: str, subject: str, text: str) -> str:
    """Safe to run twice: each owner is claimed for the event before their e-mail goes, so a second
    run (or a second job for a duplicated webhook) finds them told. A crash between the claim and
    the send loses that one e-mail rather than sending it twice."""
    told = 0
    for owner in owners_to_tell(organization_id, kind):
        if not _claim(organization_id, owner.id, kind, event_key):
            continue
        # mail.send keeps the message in the Outbox and marks it failed when SMTP is down.
        mail.send(organization_id=organization_id, to=owner.email, subject=subject, text=text,
                  kind=f"notify_{kind}")
        told += 1
    return f"{told} owner{'s' if told != 1 else ''} e-mailed"


def _claim(organization_id: int, user_id: int, kind: str, event_key: str) -> bool:
    db.session.add(OwnerNotification(organization_id=organization_id, user_id=user_id, kind=kind,
                                     event_key=event_key[:300]))
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return False
    return True
