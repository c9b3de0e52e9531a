"""Two organizations of one Light may connect the same Stripe Account: each has its own connection and
its own copy of the feed, and nothing one of them does (or one webhook does) reaches the other."""
import json
import time

import pytest

from light.banking import services, sync
from light.banking.models import BankAccount, BankPayout, BankTransaction, StripeConnection, SyncRun
from light.extensions import db
from light.plumbing.stripe_gateway import ConnectToken
from stripe_sandbox.events import sign
from tests.fixtures.owned.banking import sandbox_config, sandbox_transactions

SECRET = "whsec_banktests0001"


@pytest.fixture
def app_config(app_config, stripe_sandbox, sandbox_key):
    return sandbox_config(app_config, stripe_sandbox, sandbox_key)


@pytest.fixture
def token(stripe_sandbox, sandbox_key):
    issued = stripe_sandbox.connect_account(sandbox_key, "Shared Shop")
    return ConnectToken(issued["stripe_user_id"], issued["access_token"], issued["refresh_token"], issued["scope"],
                        issued["livemode"])


@pytest.fixture
def owners(auth):
    return auth.create_owner(organization="First Ltd"), auth.create_owner(organization="Second Ltd")


@pytest.fixture
def shared(owners, token):
    """The same Stripe Account, connected by two organizations."""
    return tuple(services.store_connection(owner.organization_id, token) for owner in owners)


def deliver(client, event_type, account, event_id):
    body = json.dumps({"id": event_id, "object": "event", "type": event_type, "account": account,
                       "livemode": False, "created": int(time.time()) + 5,
                       "data": {"object": {"id": "po_1", "object": "payout"}}}).encode()
    return client.post("/webhooks/stripe/connect", data=body, content_type="application/json",
                       headers={"Stripe-Signature": sign(body, SECRET, int(time.time()))})


def copy_of(connection):
    return {t for (t,) in db.session.query(BankTransaction.stripe_id).filter(
        BankTransaction.organization_id == connection.organization_id)}


def test_each_organization_gets_its_own_connection_and_its_own_copy_of_the_feed(shared, stripe_sandbox, run_jobs):
    first, second = shared
    assert first.id != second.id and first.stripe_user_id == second.stripe_user_id
    for connection in shared:
        assert sync.sync_connection(connection.id).error is None
    remote = set(sandbox_transactions(stripe_sandbox, first.stripe_user_id))
    assert copy_of(first) == copy_of(second) == remote
    assert BankTransaction.query.count() == 2 * len(remote)
    for connection in shared:
        accounts = BankAccount.query.filter_by(connection_id=connection.id).all()
        assert accounts and all(a.organization_id == connection.organization_id for a in accounts)
        payouts = BankPayout.query.filter_by(organization_id=connection.organization_id).all()
        assert all(p.bank_account_id in {a.id for a in accounts} for p in payouts)


def test_a_webhook_for_the_shared_account_syncs_both_organizations_and_nobody_else(
        client, auth, shared, stripe_sandbox, sandbox_key, run_jobs):
    other = stripe_sandbox.connect_account(sandbox_key, "Elsewhere")
    elsewhere = services.store_connection(auth.create_owner(organization="Third Ltd").organization_id, ConnectToken(
        other["stripe_user_id"], other["access_token"], other["refresh_token"], other["scope"], other["livemode"]))
    assert deliver(client, "payout.paid", shared[0].stripe_user_id, "evt_shared1").status_code == 200
    run_jobs()
    runs = SyncRun.query.all()
    assert sorted(r.connection_id for r in runs) == sorted(c.id for c in shared)
    assert all(r.trigger == "webhook" and r.error is None for r in runs)
    assert SyncRun.query.filter_by(connection_id=elsewhere.id).count() == 0
    assert copy_of(shared[0]) == copy_of(shared[1]) and copy_of(elsewhere) == set()


def test_one_organization_disconnecting_leaves_the_other_connected_at_stripe(client, auth, owners, shared,
                                                                            stripe_sandbox):
    first, second = shared
    auth.login(owners[0])
    assert client.post(f"/bank-reconciliation/connections/{first.id}/disconnect").status_code == 303
    db.session.refresh(first)
    db.session.refresh(second)
    assert first.status == "disconnected" and second.status == "active"
    platform = stripe_sandbox.store.keys[client.application.config["STRIPE_SECRET_KEY"]].account_id
    assert stripe_sandbox.store.connected(platform, second.stripe_user_id)
    assert sync.sync_connection(second.id).error is None


def test_the_last_organization_to_disconnect_deauthorizes_light_at_stripe(shared, stripe_sandbox, app):
    for connection in shared:
        services.disconnect(connection)
    platform = stripe_sandbox.store.keys[app.config["STRIPE_SECRET_KEY"]].account_id
    assert not stripe_sandbox.store.connected(platform, shared[0].stripe_user_id)
    assert {c.status for c in StripeConnection.query} == {"disconnected"}


def test_a_deauthorization_at_stripe_revokes_every_organizations_connection_to_that_account(
        client, shared, run_jobs):
    assert deliver(client, "account.application.deauthorized", shared[0].stripe_user_id, "evt_gone").status_code == 200
    run_jobs()
    for connection in shared:
        db.session.refresh(connection)
        assert connection.status == "revoked" and connection.access_token is None
