"""Disconnect ends a connection only when Stripe has let go of it: an OAuth error that means
"Light's settings are wrong" is shown, and the connection stays active."""
import pytest

from light.banking.models import StripeConnection
from light.extensions import db
from tests.fixtures.owned.banking import connect_through_sandbox, sandbox_config


@pytest.fixture
def app_config(app_config, stripe_sandbox, sandbox_key):
    return sandbox_config(app_config, stripe_sandbox, sandbox_key)


def platform_id(stripe_sandbox, app):
    return stripe_sandbox.store.keys[app.config["STRIPE_SECRET_KEY"]].account_id


def test_a_wrong_client_id_is_shown_and_the_connection_stays_active(app, client, auth, stripe_sandbox, run_jobs):
    auth.login()
    connection = connect_through_sandbox(client, stripe_sandbox)
    run_jobs()
    app.config["STRIPE_CLIENT_ID"] = "ca_notLightsClientId"
    response = client.post(f"/bank-reconciliation/connections/{connection.id}/disconnect", follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "Stripe could not disconnect the account" in page and "STRIPE_CLIENT_ID" in page
    db.session.expire_all()
    assert db.session.get(StripeConnection, connection.id).status == "active"
    assert stripe_sandbox.store.connected(platform_id(stripe_sandbox, app), connection.stripe_user_id)


def test_an_account_already_disconnected_at_stripe_is_disconnected_here_too(app, client, auth, stripe_sandbox,
                                                                             run_jobs):
    auth.login()
    connection = connect_through_sandbox(client, stripe_sandbox)
    run_jobs()
    stripe_sandbox.revoke(account=connection.stripe_user_id, platform=platform_id(stripe_sandbox, app))
    response = client.post(f"/bank-reconciliation/connections/{connection.id}/disconnect")
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(StripeConnection, connection.id).status == "disconnected"
