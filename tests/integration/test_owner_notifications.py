"""Owners e-mailed when an invoice is paid, needs action, fails or is disputed, each kind switchable
per owner in Settings > Notifications: once per event, after the event's commit, and never at the
cost of the payment when SMTP is down."""
import socket
from datetime import timedelta

import pytest

from light.auth.models import User
from light.extensions import db
from light.notifications import KINDS, delivery, events, preferences
from light.notifications.models import OwnerNotification
from light.plumbing.jobs.models import Job
from light.plumbing.mail.models import OutboxMessage
from light.utc import utcnow
from tests.fixtures.invoices import create_invoice, issue, on_the_sandbox, paid_once_through_checkout, reload


@pytest.fixture
def app_config(app_config, stripe_sandbox):
    return on_the_sandbox(app_config, stripe_sandbox)


def second_owner(auth, owner):
    person = auth.create_member(owner, name="Omar Owner")
    user = db.session.get(User, person.id)
    user.role = "owner"
    db.session.commit()
    return user


def subjects_to(smtp_server, email, start):
    return [m["Subject"] for m in smtp_server.to(email) if m["Subject"].startswith(start)]


def test_every_kind_is_on_for_a_new_owner_and_each_owner_switches_only_their_own(client, auth):
    olivia = auth.login(auth.create_owner())
    omar = second_owner(auth, olivia)
    page = client.get("/settings/notifications").get_data(as_text=True)
    assert page.count('type="checkbox"') == len(KINDS) and page.count("checked") == len(KINDS)

    kept = [k for k in KINDS if k not in ("paid", "sync_failed")]
    response = client.post("/settings/notifications", data={"kind": kept + ["not-a-kind"]})
    assert response.status_code == 303
    assert preferences.switched_on(db.session.get(User, olivia.id)) == {k: k in kept for k in KINDS}
    assert all(preferences.switched_on(omar).values())
    assert [u.id for u in preferences.owners_to_tell(olivia.organization_id, "paid")] == [omar.id]
    page = client.get("/settings/notifications").get_data(as_text=True)
    assert 'value="paid" checked' not in page and 'value="disputed" checked' in page


def test_a_member_is_not_emailed_and_cannot_change_notifications(client, auth):
    owner = auth.create_owner()
    member = auth.login(auth.create_member(owner))
    assert "Members aren" in client.get("/settings/notifications").get_data(as_text=True)
    assert client.post("/settings/notifications", data={"kind": ["paid"]}).status_code == 403
    assert [u.email for u in preferences.owners_to_tell(owner.organization_id, "paid")] == [owner.email]
    assert member.email not in [u.email for u in preferences.owners_to_tell(owner.organization_id, "disputed")]


def test_a_paid_and_then_disputed_invoice_tells_each_owner_once_as_they_chose(
        client, auth, org, stripe_sandbox, run_jobs, smtp_server):
    omar = second_owner(auth, org.person)
    auth.login(omar)
    client.post("/settings/notifications", data={"kind": ["paid", "payment_failed"]})  # disputes off
    auth.login(org.person)

    invoice = paid_once_through_checkout(client, org, stripe_sandbox, run_jobs, "4242424242424242")
    org.relay.deliver(run_jobs, duplicate=True)  # Stripe's events again, each twice
    for owner in (org.person, omar):
        assert subjects_to(smtp_server, owner.email, "Paid: invoice") == [
            f"Paid: invoice {invoice.number} (Ada Customer, $360.00)"]

    stripe_sandbox.dispute(org.key, payment_intent=invoice.stripe_payment_intent_id, amount=10000)
    org.relay.deliver(run_jobs, types={"charge.dispute.created"}, duplicate=True)
    assert len(subjects_to(smtp_server, org.person.email, "Disputed: invoice")) == 1
    assert subjects_to(smtp_server, omar.email, "Disputed: invoice") == []
    told = [m for m in smtp_server.to(org.person.email) if m["Subject"].startswith("Disputed")][0]
    assert f"/invoices/{invoice.id}" in smtp_server.text(told) and "$100.00" in smtp_server.text(told)
    assert [e.kind for e in reload(invoice).events].count("disputed") == 1


def test_a_card_needing_authentication_tells_the_owners_once_as_action_required(
        client, org, stripe_sandbox, run_jobs, smtp_server):
    from tests.integration.test_invoices_stripe import second_invoice

    first = paid_once_through_checkout(client, org, stripe_sandbox, run_jobs, "4000002760003184")
    second = second_invoice(client, run_jobs, first.customer_id)
    assert second.status == "action_required"
    org.relay.deliver(run_jobs, duplicate=True)  # the payment_failed webhook about the same attempt
    assert subjects_to(smtp_server, org.person.email, "Action required") == [
        f"Action required: invoice {second.number} (Ada Customer)"]


def test_the_same_event_reported_twice_and_its_job_run_twice_sends_one_email(app, client, auth, smtp_server,
                                                                              run_jobs):
    app.config["SMTP_URL"] = smtp_server.url
    owner = auth.login(auth.create_owner())
    invoice = issue(client, run_jobs, create_invoice(client, method="bank_transfer"))
    events.payment_failed(invoice, "pi_1", "Your card was declined.")
    events.payment_failed(invoice, "pi_1", "Your card was declined.")
    run_jobs()
    delivery.deliver(owner.organization_id, "payment_failed", f"payment_failed:{invoice.id}:pi_1", "Again", "x")
    assert len(subjects_to(smtp_server, owner.email, "Payment failed")) == 1
    assert smtp_server.to(owner.email)[-1]["Subject"].startswith("Payment failed")
    events.payment_failed(invoice, "pi_2", "Your card was declined.")  # a new attempt is a new event
    run_jobs()
    assert len(subjects_to(smtp_server, owner.email, "Payment failed")) == 2


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # nothing listens once it is closed


def test_with_smtp_down_a_payment_is_still_recorded_and_the_failed_email_waits_in_the_outbox(
        app, client, auth, run_jobs):
    owner = auth.login(auth.create_owner())
    invoice = issue(client, run_jobs, create_invoice(client, method="bank_transfer"))
    app.config["SMTP_URL"] = f"smtp://127.0.0.1:{_closed_port()}?timeout=2"
    response = client.post(f"/invoices/{invoice.id}/payments", data={"amount": "360.00"})
    assert response.status_code == 303
    assert reload(invoice).status == "paid"
    run_jobs()
    told = OutboxMessage.query.filter_by(kind="notify_paid").one()
    assert told.to == owner.email and told.status == "failed"
    assert Job.query.filter_by(kind="owner_notification").one().status == "finished"


def test_a_notification_that_cannot_be_queued_never_fails_the_payment(app, client, auth, run_jobs):
    auth.login(auth.create_owner())
    invoice = issue(client, run_jobs, create_invoice(client, method="bank_transfer"))

    class Down:
        def submit(self, *args, **kwargs):
            raise ConnectionError("Redis is down")

    app.extensions["light_jobs"], queue = Down(), app.extensions["light_jobs"]
    try:
        response = client.post(f"/invoices/{invoice.id}/payments", data={"amount": "360.00"})
    finally:
        app.extensions["light_jobs"] = queue
    assert response.status_code == 303 and reload(invoice).status == "paid"
    assert OwnerNotification.query.count() == 0


def test_an_owner_removed_from_the_team_is_not_emailed(auth):
    owner = auth.create_owner()
    omar = second_owner(auth, owner)
    omar.removed_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    assert [u.id for u in preferences.owners_to_tell(owner.organization_id, "paid")] == [owner.id]
