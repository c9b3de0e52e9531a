"""The one module that sends e-mail. SMTP from SMTP_URL; every message is also kept in the Outbox,
so a self-hoster without SMTP sees what Light would have sent (Settings > Outbox)."""
import logging
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import make_msgid
from urllib.parse import parse_qs, unquote, urlsplit

from flask import current_app

from light.extensions import db
from light.plumbing.mail.models import OutboxMessage

log = logging.getLogger(__name__)


def send(*, organization_id: int | None, to: str, subject: str, text: str, html: str | None = None,
         kind: str = "general", kept_text: str | None = None,
         attachments: list[tuple[str, str, bytes]] | None = None) -> OutboxMessage:
    """Send `text` (and `html`); the Outbox keeps `kept_text` instead when given, for an e-mail
    whose link is a secret nobody else may read (a password reset). `attachments` are
    (file name, MIME type, bytes), sent but not kept: the Outbox names them."""
    # A subject is one header line: a line break from a customer's or invoice's name must not end it.
    subject = " ".join(subject.split())[:300]
    kept = text if kept_text is None else kept_text
    if attachments:
        kept += "\n\nAttached: " + ", ".join(name for name, _, _ in attachments)
    message = OutboxMessage(organization_id=organization_id, to=to, subject=subject, body=kept,
                            kind=kind, status="kept")
    db.session.add(message)
    smtp_url = current_app.config.get("SMTP_URL")
    if smtp_url:
        try:
            _deliver(smtp_url, current_app.config["MAIL_FROM"], to, subject, text, html, attachments or [])
            message.status = "sent"
        except (OSError, smtplib.SMTPException) as exc:
            # The message stays in the Outbox marked failed; the caller's work still commits.
            log.warning("mail to %s failed: %s", to, type(exc).__name__)
            message.status = "failed"
            message.error = str(exc)[:500]
    db.session.commit()
    return message


def _deliver(smtp_url: str, sender: str, to: str, subject: str, text: str, html: str | None,
             attachments: list[tuple[str, str, bytes]]) -> None:
    url = urlsplit(smtp_url)
    options = {k: v[-1] for k, v in parse_qs(url.query).items()}
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = subject
    msg["Message-ID"] = make_msgid(domain="light.localhost")
    msg.set_content(text)
    if html:
        msg.add_alternative(html, subtype="html")
    for name, mime, data in attachments:
        maintype, subtype = mime.split("/", 1)
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    port = url.port or (465 if url.scheme == "smtps" else 587 if options.get("starttls") else 25)
    timeout = float(options.get("timeout", "10"))
    if url.scheme == "smtps":
        client = smtplib.SMTP_SSL(url.hostname, port, timeout=timeout, context=ssl.create_default_context())
    else:
        client = smtplib.SMTP(url.hostname, port, timeout=timeout)
    with client:
        if options.get("starttls") in ("1", "true", "yes"):
            client.starttls(context=ssl.create_default_context())
        if url.username:
            client.login(unquote(url.username), unquote(url.password or ""))
        client.send_message(msg)
