"""Stripe's events reaching a Stripe integration's endpoint: every signature verified, each event
recorded once, the work left to a job. Payloads are signed the way Stripe signs them; the last
test has the sandbox deliver real events to a live Light."""
import hashlib
import hmac
import json
import time

import pytest

from light.extensions import db
from light.integrations import services
from light.integrations.models import Integration
from light.plumbing.jobs.models import Job
from light.plumbing.webhooks import dispatch
from light.plumbing.webhooks.models import StripeEvent
from tests.fixtures.stripe_sandbox import new_key

SECRET = "whsec_testSigningSecret0123456789"


def signed(payload: bytes, secret: str, timestamp: int | None = None) -> str:
    timestamp = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + payload, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def event(event_id="evt_1", type="payment_intent.created"):
    return json.dumps({"id": event_id, "object": "event", "type": type, "created": 1_760_000_000,
                       "livemode": False, "data": {"object": {"id": "pi_1", "object": "payment_intent"}}}).encode()


def make_integration(organization_id, secret=SECRET, status="active"):
    integration = Integration(organization_id=organization_id, kind="stripe", status=status,
                              secret_key="sk_test_webhooktests000", account_id="acct_w", account_name="W",
                              webhook_mode="manual", webhook_secret=secret)
    db.session.add(integration)
    db.session.commit()
    return integration


def deliver(client, integration_id, payload, signature):
    return client.post(f"/webhooks/stripe/integrations/{integration_id}", data=payload,
                       headers={"Stripe-Signature": signature, "Content-Type": "application/json"})


@pytest.fixture
def owner(auth):
    return auth.create_owner()


def handle_also(app, handler):
    """This test app's table, with one more route for the test's event type."""
    route = dispatch.Route("integration", "payment_intent.created", handler)
    app.extensions["light_stripe_events"] = (*app.extensions["light_stripe_events"], route)


@pytest.fixture
def handled(app):
    calls = []
    handle_also(app, lambda record: calls.append(record.id))
    return calls


def test_a_signed_event_is_recorded_once_and_its_work_left_to_a_job(client, owner, handled, run_jobs):
    integration = make_integration(owner.organization_id)
    payload = event()
    response = deliver(client, integration.id, payload, signed(payload, SECRET))
    assert response.status_code == 200 and response.get_json()["message"] == "recorded"
    record = db.session.query(StripeEvent).filter_by(id="evt_1").one()
    assert record.endpoint == f"integration:{integration.id}" and record.organization_id == owner.organization_id
    assert record.processed_at is None and handled == []  # answered before doing the work
    assert db.session.query(Job).filter_by(kind="stripe_event").count() == 1

    run_jobs()
    db.session.expire_all()
    assert handled == ["evt_1"] and db.session.query(StripeEvent).filter_by(id="evt_1").one().processed_at is not None

    again = deliver(client, integration.id, payload, signed(payload, SECRET))
    assert again.status_code == 200 and again.get_json()["message"] == "duplicate"
    run_jobs()
    assert handled == ["evt_1"]
    assert db.session.query(StripeEvent).count() == 1
    assert db.session.query(Job).filter_by(kind="stripe_event").count() == 1


@pytest.mark.parametrize("case", ["wrong secret", "tampered body", "no signature", "too old", "not json"])
def test_a_bad_signature_gets_400_and_writes_nothing(client, owner, case):
    integration = make_integration(owner.organization_id)
    payload = event()
    signature = {
        "wrong secret": signed(payload, "whsec_somebodyElse"),
        "tampered body": signed(event(type="charge.refunded"), SECRET),
        "no signature": "",
        "too old": signed(payload, SECRET, int(time.time()) - 3600),
        "not json": signed(b"not json", SECRET),
    }[case]
    body = b"not json" if case == "not json" else payload
    response = deliver(client, integration.id, body, signature)
    assert response.status_code == 400
    assert db.session.query(StripeEvent).count() == 0 and db.session.query(Job).count() == 0


def test_an_event_signed_for_another_organizations_integration_is_refused(client, auth):
    ours = make_integration(auth.create_owner(organization="Ours").organization_id)
    theirs = make_integration(auth.create_owner(organization="Theirs").organization_id,
                              secret="whsec_theirsSecret987")
    payload = event()
    assert deliver(client, ours.id, payload, signed(payload, "whsec_theirsSecret987")).status_code == 400
    assert deliver(client, theirs.id, payload, signed(payload, "whsec_theirsSecret987")).status_code == 200
    assert db.session.query(StripeEvent).filter_by(id="evt_1").one().organization_id == theirs.organization_id


def test_an_integration_without_a_signing_secret_refuses_events(client, owner):
    integration = make_integration(owner.organization_id, secret=None)
    payload = event()
    assert deliver(client, integration.id, payload, signed(payload, SECRET)).status_code == 400
    assert db.session.query(StripeEvent).count() == 0


def test_a_removed_or_unknown_integration_answers_404(client, owner):
    removed = make_integration(owner.organization_id, status="removed")
    payload = event()
    assert deliver(client, removed.id, payload, signed(payload, SECRET)).status_code == 404
    assert deliver(client, removed.id + 100, payload, signed(payload, SECRET)).status_code == 404
    assert db.session.query(StripeEvent).count() == 0


def test_the_same_event_reaching_the_bank_feed_and_an_integration_is_handled_by_each(app, client, owner, handled,
                                                                                    run_jobs):
    """Stripe sends one event (one id) to every endpoint listening: a charge.refunded of an account
    both connected to the bank feed and added as an integration reaches both endpoints."""
    app.config["STRIPE_CONNECT_WEBHOOK_SECRET"] = "whsec_connectSecret000"
    integration = make_integration(owner.organization_id)
    payload = event()
    connect = client.post("/webhooks/stripe/connect", data=payload,
                          headers={"Stripe-Signature": signed(payload, "whsec_connectSecret000"),
                                   "Content-Type": "application/json"})
    assert connect.status_code == 200
    response = deliver(client, integration.id, payload, signed(payload, SECRET))
    assert response.status_code == 200 and response.get_json()["message"] == "recorded"
    run_jobs()
    assert handled == ["evt_1"]  # the integration's handler ran, though the bank feed saw the id first
    assert sorted(r.endpoint for r in db.session.query(StripeEvent)) == ["connect", f"integration:{integration.id}"]


def test_stripe_retrying_an_event_whose_processing_failed_processes_it_again(app, client, owner, run_jobs):
    calls = []

    def flaky(record):  # Stripe unreachable the first time
        calls.append(record.id)
        if len(calls) == 1:
            raise RuntimeError("Stripe unreachable")

    handle_also(app, flaky)
    integration = make_integration(owner.organization_id)
    payload = event()
    assert deliver(client, integration.id, payload, signed(payload, SECRET)).status_code == 200
    run_jobs()
    db.session.expire_all()
    assert db.session.query(StripeEvent).one().processed_at is None
    assert deliver(client, integration.id, payload, signed(payload, SECRET)).status_code == 200  # the retry
    run_jobs()
    db.session.expire_all()
    assert calls == ["evt_1", "evt_1"] and db.session.query(StripeEvent).one().processed_at is not None
    assert deliver(client, integration.id, payload, signed(payload, SECRET)).status_code == 200
    run_jobs()
    assert calls == ["evt_1", "evt_1"]  # processed: later duplicates change nothing


def test_a_refund_event_only_touches_invoices_of_the_endpoints_organization(client, auth, run_jobs):
    """An event naming another organization's invoice (by id or payment) changes nothing there."""
    from datetime import date

    from light.customers.models import Customer
    from light.invoices.models import Invoice, InvoiceLine
    from light.invoices.services import new_token

    ours, theirs = auth.create_owner(organization="Ours"), auth.create_owner(organization="Theirs")
    customer = Customer(organization_id=theirs.organization_id, name="T", email="t@example.com", currency="USD")
    invoice = Invoice(organization_id=theirs.organization_id, customer=customer, currency="USD", status="paid",
                      issue_date=date(2030, 1, 1), due_date=date(2030, 1, 1), pay_token=new_token(), total=5000,
                      subtotal=5000, amount_paid=5000, stripe_payment_intent_id="pi_theirs",
                      lines=[InvoiceLine(description="X", quantity_milli=1000, unit_price=5000, net=5000, tax=0)])
    db.session.add(invoice)
    db.session.commit()
    integration = make_integration(ours.organization_id)
    payload = json.dumps({"id": "evt_refund", "object": "event", "type": "charge.refunded", "created": 1_760_000_000,
                          "livemode": False, "data": {"object": {
                              "id": "ch_1", "object": "charge", "payment_intent": "pi_theirs", "amount_refunded": 5000,
                              "metadata": {"light_invoice_id": str(invoice.id),
                                           "light_organization_id": str(theirs.organization_id)}}}}).encode()
    assert deliver(client, integration.id, payload, signed(payload, SECRET)).status_code == 200
    run_jobs()
    db.session.expire_all()
    assert db.session.get(Invoice, invoice.id).amount_refunded == 0
    assert db.session.query(StripeEvent).one().processed_at is not None


# -- the sandbox delivering to a live Light --------------------------------------------------------
@pytest.fixture
def live_app_config(live_app_config, stripe_sandbox):
    live_app_config.update(STRIPE_API_BASE=stripe_sandbox.url, STRIPE_CONNECT_BASE=stripe_sandbox.url,
                           STRIPE_MAX_ATTEMPTS=1)
    return live_app_config


def wait_for(condition, timeout=10):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


def test_events_the_sandbox_delivers_to_the_registered_endpoint_are_recorded_once(
        live_server, stripe_sandbox, sandbox_key):
    from light.auth import services as accounts

    app = live_server.app
    app.config["LIGHT_PUBLIC_URL"] = live_server.url
    with app.app_context():
        user = accounts.sign_up(organization_name="Live Ltd", name="Lee", email="lee@example.com",
                                password="a-long-passphrase")
        integration = services.connect_stripe(organization_id=user.organization_id, user_id=user.id,
                                              secret_key=sandbox_key)
        integration_id, organization_id = integration.id, user.organization_id
        assert integration.webhook_mode == "registered"

    stripe_sandbox.delivery(duplicate=True)
    sent = stripe_sandbox.control("POST", "events", api_key=sandbox_key, type="checkout.session.completed",
                                  object={"id": "cs_live_1", "object": "checkout.session"})
    stripe_sandbox.control("POST", "events", api_key=new_key(), type="checkout.session.completed",
                           object={"id": "cs_elsewhere", "object": "checkout.session"})  # another account

    def delivered():
        ours = [d for d in stripe_sandbox.deliveries()["data"] if d["event"] == sent["id"]]
        return len(ours) == 2 and all(d["status"] for d in ours)

    assert wait_for(delivered), stripe_sandbox.deliveries()
    ours = [d for d in stripe_sandbox.deliveries()["data"] if d["event"] == sent["id"]]
    assert [d["status"] for d in ours] == [200, 200]
    assert ours[0]["url"] == f"{live_server.url}/webhooks/stripe/integrations/{integration_id}"
    with app.app_context():
        records = db.session.query(StripeEvent).all()
        assert [(r.id, r.endpoint, r.organization_id, r.payload["id"]) for r in records] == [
            (sent["id"], f"integration:{integration_id}", organization_id, "cs_live_1")]
