"""Requests an attacker (or a broken client) sends: each is refused with a 4xx, writes nothing,
and never reaches a 500."""
import hashlib
import hmac
import json
import time
from html import unescape

import pytest
from sqlalchemy import func

from light.extensions import db
from light.integrations.models import Integration
from light.invoices.models import Invoice
from light.plumbing.webhooks.models import StripeEvent
from tests.fixtures.invoices import create_invoice, issue, on_the_sandbox, paid_once_through_checkout, reload

SECRET = "whsec_hardeningSecret0123456789"


def signed(payload: bytes, secret: str = SECRET, timestamp: int | None = None) -> str:
    timestamp = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + payload, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def event_body(event_id="evt_h1") -> bytes:
    return json.dumps({"id": event_id, "object": "event", "type": "payment_intent.created", "created": 1_760_000_000,
                       "livemode": False, "data": {"object": {"id": "pi_1", "object": "payment_intent"}}}).encode()


@pytest.fixture
def integration(auth):
    owner = auth.login()
    record = Integration(organization_id=owner.organization_id, kind="stripe", status="active",
                         secret_key="sk_test_hardening0000", account_id="acct_h", account_name="H",
                         webhook_mode="manual", webhook_secret=SECRET)
    db.session.add(record)
    db.session.commit()
    return record


@pytest.fixture
def connect_secret(app):
    app.config["STRIPE_CONNECT_WEBHOOK_SECRET"] = SECRET


def post(client, url, body, signature):
    return client.post(url, data=body, headers={"Stripe-Signature": signature, "Content-Type": "application/json"})


def endpoints(integration):
    return ["/webhooks/stripe/connect", f"/webhooks/stripe/integrations/{integration.id}"]


def test_a_body_that_is_not_utf8_is_refused_on_both_webhook_endpoints(client, integration, connect_secret):
    body = b'{"id": "evt_\xff\xfe"}'
    for url in endpoints(integration):
        response = post(client, url, body, signed(body))
        assert response.status_code == 400, url
    assert db.session.query(StripeEvent).count() == 0


def test_a_signature_dated_a_day_ahead_is_refused_like_one_a_day_old(client, integration, connect_secret):
    body = event_body()
    for url in endpoints(integration):
        for skew in (86_400, -86_400):
            assert post(client, url, body, signed(body, timestamp=int(time.time()) + skew)).status_code == 400
    assert db.session.query(StripeEvent).count() == 0
    assert post(client, endpoints(integration)[1], body, signed(body)).status_code == 200  # now: accepted


def test_a_webhook_larger_than_any_stripe_event_is_refused_before_it_is_read(client, integration, connect_secret):
    body = b'{"id": "evt_big", "pad": "' + b"x" * (300 * 1024) + b'"}'
    for url in endpoints(integration):
        assert post(client, url, body, signed(body)).status_code == 413
    assert db.session.query(StripeEvent).count() == 0


def test_a_form_post_over_the_request_limit_answers_413(client, auth):
    auth.login()
    response = client.post("/customers/new", data={"name": "x" * (2 * 1024 * 1024), "email": "a@example.com"})
    assert response.status_code == 413


def test_every_page_refuses_to_be_framed_or_sniffed(client, auth):
    auth.login()
    for url in ("/", "/settings/integrations/", "/login"):
        headers = client.get(url).headers
        assert headers["X-Frame-Options"] == "DENY"
        assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert "Strict-Transport-Security" not in headers  # only in production, behind HTTPS


def test_production_insists_on_https(app, client):
    app.config["LIGHT_ENV"] = "production"
    assert client.get("/login").headers["Strict-Transport-Security"].startswith("max-age=31536000")


EXPONENT = "Write the number out in full, without an exponent (e)."


@pytest.mark.parametrize("field, value, message", [
    ("line_unit_price", "1e999999999", EXPONENT), ("line_quantity", "1e999999999", EXPONENT),
    ("line_tax_rate", "1e999999999", EXPONENT), ("line_unit_price", "9" * 40, "That number is too large."),
    ("line_quantity", "1,5", "Use a point for decimals: enter 1.5 (or 15 if you meant that)."),
])
def test_numbers_no_invoice_needs_are_refused_beside_the_field(client, auth, field, value, message):
    owner = auth.login()
    form = {"new_customer_name": "Ada", "new_customer_email": "ada@example.com", "new_customer_currency": "USD",
            "customer_id": "new", "currency": "USD", "issue_date": "2026-12-01", "due_date": "2026-12-15",
            "payment_method": "bank_transfer", "line_description": "Work", "line_quantity": "1",
            "line_unit_price": "10", "line_tax_rate": "0"}
    form[field] = value
    response = client.post("/invoices/new", data=form)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert db.session.query(Invoice).filter_by(organization_id=owner.organization_id).count() == 0


# -- a refused checkout writes nothing ------------------------------------------------------------
@pytest.fixture
def sandboxed(app_config, stripe_sandbox):
    return on_the_sandbox(app_config, stripe_sandbox)


def test_a_checkout_stripe_fails_answers_409_adds_nothing_and_the_next_try_uses_a_fresh_key(
        sandboxed, client, org, stripe_sandbox, run_jobs):
    invoice = issue(client, run_jobs, create_invoice(client))
    db.session.expire_all()
    before = row_counts()
    stripe_sandbox.faults(500, count=1, path_prefix="/v1/checkout/sessions")
    response = client.post(f"/pay/{invoice.pay_token}/checkout")
    assert response.status_code == 409
    assert "Online payment isn't available right now" in unescape(response.get_data(as_text=True))
    db.session.expire_all()
    # Stripe saved its 500 under invoice-<id>-checkout-1 and replays it for 24 h: Light notes the
    # key as used, and adds nothing else.
    assert row_counts() == before and reload(invoice).checkout_count == 1
    assert client.post(f"/pay/{invoice.pay_token}/checkout").status_code == 303
    assert reload(invoice).checkout_count == 2


def test_a_checkout_light_refuses_writes_nothing(sandboxed, client, org, stripe_sandbox, run_jobs):
    invoice = issue(client, run_jobs, create_invoice(client))
    client.post(f"/settings/integrations/{org.integration_id}/remove", data={"confirm": "remove"})
    db.session.expire_all()
    before = row_counts()
    assert client.post(f"/pay/{invoice.pay_token}/checkout").status_code == 409
    db.session.expire_all()
    assert row_counts() == before and reload(invoice).checkout_count == 0


def row_counts() -> dict:
    return {table.name: db.session.query(func.count()).select_from(table).scalar()
            for table in db.metadata.sorted_tables}


def test_a_charge_stripe_fails_is_on_the_timeline_and_the_next_try_uses_a_fresh_key(
        sandboxed, client, org, stripe_sandbox, run_jobs):
    first = paid_once_through_checkout(client, org, stripe_sandbox, run_jobs, "4242424242424242")
    second = issue(client, run_jobs, create_invoice(client, customer_id=first.customer_id, method="bank_transfer"))
    second.payment_method = "stripe"  # issued by hand, so the charge below is the first attempt
    db.session.commit()
    stripe_sandbox.faults(500, count=1, path_prefix="/v1/payment_intents")
    app_config_reraise = client.application.config["JOBS_RERAISE"]
    client.application.config["JOBS_RERAISE"] = False
    try:
        assert client.post(f"/invoices/{second.id}/charge").status_code == 303
        run_jobs()
    finally:
        client.application.config["JOBS_RERAISE"] = app_config_reraise
    second = reload(second)
    assert second.status == "issued" and second.charge_attempts == 1
    assert any("Stripe had an error while charging" in e.message for e in second.events)
    assert client.post(f"/invoices/{second.id}/charge").status_code == 303  # invoice-<id>-charge-2
    run_jobs()
    assert reload(second).status == "paid"
