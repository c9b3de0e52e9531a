"""Connect webhooks for the bank feed: signed, deduplicated, order-proof, and end to end."""
import json
import threading
import time

import pytest
from werkzeug.serving import make_server

from light.banking import services
from light.banking.models import ConnectWebhookEndpoint, StripeConnection, SyncRun
from light.extensions import db
from light.plumbing.stripe_gateway import ConnectToken
from light.plumbing.webhooks.models import StripeEvent
from stripe_sandbox.events import sign
from tests.fixtures.owned.banking import sandbox_config

SECRET = "whsec_banktests0001"


@pytest.fixture
def app_config(app_config, stripe_sandbox, sandbox_key):
    return sandbox_config(app_config, stripe_sandbox, sandbox_key)


@pytest.fixture
def connection(auth, stripe_sandbox, sandbox_key):
    owner = auth.create_owner()
    token = stripe_sandbox.connect_account(sandbox_key, "Webhook Shop")
    return services.store_connection(owner.organization_id, ConnectToken(
        token["stripe_user_id"], token["access_token"], token["refresh_token"], token["scope"], token["livemode"]))


def deliver(client, event_type, account, *, event_id="evt_bank1", created=None, secret=SECRET, obj=None):
    body = json.dumps({"id": event_id, "object": "event", "type": event_type, "account": account,
                       "livemode": False, "created": created or int(time.time()),
                       "data": {"object": obj or {"id": "po_1", "object": "payout"}}}).encode()
    return client.post("/webhooks/stripe/connect", data=body, content_type="application/json",
                       headers={"Stripe-Signature": sign(body, secret, int(time.time()))})


@pytest.mark.parametrize("event_type", ["payout.paid", "balance.available", "charge.refunded"])
def test_a_signed_connect_event_queues_a_sync_of_that_connection(client, connection, run_jobs, event_type):
    assert deliver(client, event_type, connection.stripe_user_id).status_code == 200
    run_jobs()
    run = SyncRun.query.one()
    assert (run.connection_id, run.trigger, run.error) == (connection.id, "webhook", None)


def test_an_event_for_an_account_light_does_not_know_changes_nothing(client, connection, run_jobs):
    assert deliver(client, "payout.paid", "acct_somebodyelse").status_code == 200
    run_jobs()
    assert SyncRun.query.count() == 0


def test_a_bad_signature_is_refused_with_400_and_nothing_written(client, connection, run_jobs):
    response = deliver(client, "payout.paid", connection.stripe_user_id, secret="whsec_wrong000000")
    assert response.status_code == 400
    run_jobs()
    assert StripeEvent.query.count() == 0 and SyncRun.query.count() == 0


def test_a_duplicate_delivery_is_recorded_once_and_syncs_once(client, connection, run_jobs):
    for _ in range(3):
        assert deliver(client, "payout.paid", connection.stripe_user_id).status_code == 200
    run_jobs()
    assert StripeEvent.query.count() == 1 and SyncRun.query.count() == 1


def test_deauthorized_in_stripe_marks_the_connection_revoked_with_a_reconnect_button(client, auth, connection,
                                                                                     run_jobs):
    deliver(client, "account.application.deauthorized", connection.stripe_user_id, event_id="evt_deauth")
    run_jobs()
    db.session.refresh(connection)
    assert connection.status == "revoked" and connection.access_token is None
    assert services.start_sync(connection) is None
    from light.auth.models import User

    owner = User.query.filter_by(organization_id=connection.organization_id).first()
    client.post("/login", data={"email": owner.email, "password": "correct horse battery"})
    page = client.get("/bank-reconciliation/").get_data(as_text=True)
    assert "Access was revoked in Stripe" in page and "Reconnect" in page


def test_a_late_deauthorization_from_before_a_reconnect_is_ignored(client, connection, run_jobs):
    before = int(connection.connected_at.timestamp()) - 3600
    deliver(client, "account.application.deauthorized", connection.stripe_user_id, event_id="evt_old",
            created=before)
    run_jobs()
    db.session.refresh(connection)
    assert connection.status == "active"


@pytest.fixture
def light_server(app):
    """This test's Light app on a real port, so the sandbox can deliver webhooks to it."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def stripe_sandbox_key(app):
    return app.config["STRIPE_SECRET_KEY"]


def wait_for_deliveries(stripe_sandbox, event_type, url, timeout=15):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        # Only this event's deliveries: other tests' endpoints may still be retrying.
        delivered = [d for d in stripe_sandbox.deliveries()["data"] if d["type"] == event_type and d["url"] == url]
        if delivered and all(d["status"] for d in delivered):
            return delivered
        time.sleep(0.1)
    raise AssertionError(f"no {event_type} delivery to {url} within {timeout}s")


def test_light_registers_its_connect_endpoint_and_the_sandbox_delivers_to_it_end_to_end(
        app, light_server, connection, stripe_sandbox, run_jobs):
    app.config.update(STRIPE_CONNECT_WEBHOOK_SECRET=None, LIGHT_PUBLIC_URL=light_server)
    endpoint = services.ensure_connect_webhook()
    assert endpoint is not None and endpoint.url == f"{light_server}/webhooks/stripe/connect"
    assert services.ensure_connect_webhook().id == endpoint.id  # registered once
    raw = db.session.execute(db.text("SELECT secret FROM bank_connect_webhook_endpoints")).scalar()
    assert endpoint.secret.startswith("whsec_") and endpoint.secret not in raw

    # A fresh charge large enough to outweigh any refunds in the demo history, made available, so
    # the sweep always has something to pay out.
    charged = stripe_sandbox.api("POST", "/v1/payment_intents", stripe_sandbox_key(app),
                                 account=connection.stripe_user_id, amount=10_000_000, currency="usd",
                                 payment_method="pm_card_visa", confirm="true")
    assert charged.status_code == 200, charged.text
    stripe_sandbox.advance_clock(days=3)
    made = stripe_sandbox.payouts(account=connection.stripe_user_id, currencies=["usd"], advance_to="paid")
    assert made, "the sandbox made no payout"
    delivered = wait_for_deliveries(stripe_sandbox, "payout.paid", endpoint.url)
    assert all(d["status"] == 200 for d in delivered)
    run_jobs()
    assert SyncRun.query.filter_by(trigger="webhook").count() >= 1

    stripe_sandbox.revoke(account=connection.stripe_user_id)
    wait_for_deliveries(stripe_sandbox, "account.application.deauthorized", endpoint.url)
    run_jobs()
    assert db.session.get(StripeConnection, connection.id).status == "revoked"
    assert ConnectWebhookEndpoint.query.count() == 1


def test_a_paid_payout_that_fails_later_is_shown_failed_after_its_webhook(app, client, connection, stripe_sandbox,
                                                                          run_jobs):
    from light.banking.models import BankPayout, BankTransaction

    charged = stripe_sandbox.api("POST", "/v1/payment_intents", stripe_sandbox_key(app),
                                 account=connection.stripe_user_id, amount=10_000_000, currency="usd",
                                 payment_method="pm_card_visa", confirm="true")
    assert charged.status_code == 200
    stripe_sandbox.advance_clock(days=3)
    [made] = stripe_sandbox.payouts(account=connection.stripe_user_id, currencies=["usd"], advance_to="paid")
    services.start_sync(connection, "manual")
    run_jobs()
    payout = BankPayout.query.filter_by(stripe_id=made["id"]).one()
    assert payout.status == "paid" and payout.breakdown_fetched_at is not None

    stripe_sandbox.advance_payout(made["id"], account=connection.stripe_user_id, to="failed")
    assert deliver(client, "payout.failed", connection.stripe_user_id, event_id="evt_po_failed",
                   obj={"id": made["id"], "object": "payout"}).status_code == 200
    run_jobs()
    db.session.expire_all()
    assert BankPayout.query.filter_by(stripe_id=made["id"]).one().status == "failed"
    assert BankTransaction.query.filter_by(type="payout_failure", source_id=made["id"]).count() == 1
