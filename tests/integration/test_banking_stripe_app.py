"""Connect Bank > Stripe Account through Light's Stripe App, against the sandbox: the install link and
its state, access tokens that expire, rotating refresh tokens (also two workers at once), invalid_grant
as "Reconnect needed", and the uninstall event through the Connect endpoint."""
import json
import threading
import time
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import text

from light.banking import stripe_app
from light.banking.models import BankTransaction, StripeConnection, SyncRun
from light.banking.sync import sync_connection
from light.extensions import db
from light.plumbing.stripe_gateway import AuthenticationFailed, ReconnectNeeded, StripeGateway, app_oauth
from light.utc import utcnow
from stripe_sandbox.events import sign
from tests.fixtures.owned.banking import (
    APP_CLIENT_ID,
    connect_through_app,
    install_app,
    sandbox_transactions,
    stripe_app_config,
)


@pytest.fixture
def app_config(app_config, stripe_sandbox, sandbox_key):
    config = stripe_app_config(app_config, stripe_sandbox, sandbox_key)
    yield config
    stripe_sandbox.control("POST", "apps/settings")


@pytest.fixture
def connection(client, auth, stripe_sandbox):
    auth.login()
    return connect_through_app(client, stripe_sandbox)


def refresh_record(stripe_sandbox, refresh_token):
    return stripe_sandbox.store.app_refresh_tokens[refresh_token]


def test_the_stripe_account_button_goes_to_the_apps_install_link_with_a_state(client, auth, stripe_sandbox):
    auth.login()
    page = client.get("/bank-reconciliation/connect").get_data(as_text=True)
    assert "install Light's Stripe App" in page and "read and write" not in page
    link = client.get("/bank-reconciliation/connect/stripe").headers["Location"]
    params = parse_qs(urlsplit(link).query)
    assert set(params) == {"client_id", "redirect_uri", "state"}  # what Stripe's install link takes
    assert params["client_id"] == [APP_CLIENT_ID] and len(params["state"][0]) >= 32
    assert params["redirect_uri"][0].endswith("/bank-reconciliation/connect/stripe/callback")


def test_installing_the_app_connects_the_account_and_imports_its_history(connection, stripe_sandbox, run_jobs):
    assert connection.status == "active" and connection.method == "stripe_app" and connection.scope == "stripe_apps"
    assert connection.access_token.startswith("rk_test_") and connection.refresh_token.startswith("rt_")
    # Stripe's answer has no expires_in: its tokens last an hour.
    assert timedelta(minutes=59) < connection.access_token_expires_at - utcnow() <= timedelta(hours=1)
    run_jobs()
    assert SyncRun.query.one().error is None
    assert {t.stripe_id for t in BankTransaction.query} == \
        set(sandbox_transactions(stripe_sandbox, connection.stripe_user_id))


def test_the_tokens_are_stored_encrypted(connection):
    raw = db.session.execute(text("SELECT access_token, refresh_token FROM stripe_connections WHERE id = :id"),
                             {"id": connection.id}).one()
    assert connection.access_token not in raw[0] and connection.refresh_token not in raw[1]


def test_a_state_that_does_not_match_is_refused_with_400_and_writes_nothing(client, auth, stripe_sandbox):
    auth.login()
    callback = install_app(client, stripe_sandbox)
    code = parse_qs(urlsplit(callback).query)["code"][0]
    forged = callback.replace("state=", "state=forged")
    response = client.get(forged)
    assert response.status_code == 400
    assert "expired or was already used" in response.get_data(as_text=True)
    assert StripeConnection.query.count() == 0
    assert stripe_sandbox.store.app_codes[code]["used"] is False  # never even exchanged


def test_declining_the_install_connects_nothing(client, auth, stripe_sandbox):
    auth.login()
    response = client.get(install_app(client, stripe_sandbox, decision="decline"))
    assert response.status_code == 200 and "You declined" in response.get_data(as_text=True)
    assert StripeConnection.query.count() == 0


def test_a_token_about_to_expire_is_refreshed_before_the_sync_and_the_refresh_token_rotates(connection,
                                                                                            stripe_sandbox):
    old_access, old_refresh = connection.access_token, connection.refresh_token
    connection.access_token_expires_at = utcnow() + timedelta(minutes=2)  # within RENEW_BEFORE
    db.session.commit()
    run = sync_connection(connection.id, "manual")
    assert run.error is None
    db.session.refresh(connection)
    assert connection.access_token != old_access and connection.refresh_token != old_refresh
    assert connection.access_token_expires_at - utcnow() > timedelta(minutes=59)
    assert refresh_record(stripe_sandbox, old_refresh)["used"] is True  # rolled at Stripe
    assert refresh_record(stripe_sandbox, connection.refresh_token)["used"] is False


def test_a_401_to_an_expired_token_refreshes_once_and_the_sync_carries_on(connection, stripe_sandbox):
    old_access = connection.access_token
    stripe_sandbox.control("POST", "clock/advance", seconds=3601)  # expired at Stripe; Light's clock disagrees
    assert stripe_sandbox.api("GET", "/v1/balance", old_access).json()["error"]["code"] == "api_key_expired"
    run = sync_connection(connection.id, "manual")
    assert run.error is None and run.created_count > 0
    db.session.refresh(connection)
    assert connection.status == "active" and connection.access_token != old_access


def test_expires_in_is_honoured_when_stripe_sends_it(client, auth, stripe_sandbox):
    stripe_sandbox.control("POST", "apps/settings", access_token_lifetime=600, expires_in=True)
    auth.login()
    connection = connect_through_app(client, stripe_sandbox)
    assert timedelta(minutes=9) < connection.access_token_expires_at - utcnow() <= timedelta(minutes=10)


def test_two_workers_refreshing_at_once_refresh_once_and_keep_the_connection(app, connection, stripe_sandbox,
                                                                           monkeypatch):
    # Without serialising, both would send the same refresh token and the second would get
    # invalid_grant (rotation), losing the connection:
    real_refresh = app_oauth.refresh
    calls = []

    def slow_refresh(config, refresh_token):
        calls.append(refresh_token)
        time.sleep(0.3)  # both workers are "inside" at once unless something serialises them
        return real_refresh(config, refresh_token)

    monkeypatch.setattr(app_oauth, "refresh", slow_refresh)
    stale, connection_id = connection.access_token, connection.id
    barrier, results, errors = threading.Barrier(2), [], []

    def worker():
        with app.app_context():
            barrier.wait()
            try:
                results.append(stripe_app.refresh(connection_id, stale))
            except Exception as exc:  # noqa: BLE001 - the assertion below names it
                errors.append(repr(exc))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    assert len(calls) == 1 and len(results) == 2 and results[0] == results[1] != stale
    db.session.expire_all()
    kept = db.session.get(StripeConnection, connection_id)
    assert kept.status == "active" and kept.access_token == results[0]
    assert refresh_record(stripe_sandbox, kept.refresh_token)["used"] is False


def test_the_same_refresh_token_twice_is_invalid_grant_which_is_why_refreshes_are_serialised(app, connection):
    app_oauth.refresh(app.config, connection.refresh_token)
    with pytest.raises(ReconnectNeeded):
        app_oauth.refresh(app.config, connection.refresh_token)


def test_invalid_grant_shows_reconnect_needed_and_reconnecting_brings_the_history_back(
        app, client, connection, stripe_sandbox, run_jobs):
    run_jobs()
    imported = BankTransaction.query.count()
    app_oauth.refresh(app.config, connection.refresh_token)  # spent elsewhere: Light's copy is now used
    connection.access_token_expires_at = utcnow()
    db.session.commit()
    assert sync_connection(connection.id, "manual") is None
    db.session.refresh(connection)
    assert connection.status == "reconnect_needed" and connection.access_token is None
    assert connection.refresh_token is None
    page = client.get("/bank-reconciliation/").get_data(as_text=True)
    assert "Reconnect needed" in page and ">Reconnect</a>" in page and "Sync now" not in page
    assert client.post(f"/bank-reconciliation/connections/{connection.id}/sync").status_code in (302, 303)
    assert SyncRun.query.count() == 1  # nothing more ran

    again = connect_through_app(client, stripe_sandbox, account=connection.stripe_user_id)
    assert again.id == connection.id and again.status == "active" and BankTransaction.query.count() == imported


def test_an_uninstalled_app_ends_in_reconnect_needed_after_one_refresh_attempt(connection, stripe_sandbox):
    stripe_sandbox.control("POST", "apps/uninstall", account=connection.stripe_user_id, client_id=APP_CLIENT_ID)
    assert sync_connection(connection.id, "manual").error is not None
    db.session.refresh(connection)
    assert connection.status == "reconnect_needed"


def test_the_uninstall_event_through_the_connect_endpoint_revokes_the_connection(client, connection,
                                                                                 stripe_sandbox, run_jobs):
    run_jobs()  # the first import, done before the app goes
    stripe_sandbox.control("POST", "apps/uninstall", account=connection.stripe_user_id, client_id=APP_CLIENT_ID)
    event = [e for e in stripe_sandbox.store.accounts[connection.stripe_user_id]["events"].items
             if e["type"] == "account.application.deauthorized"][-1]
    body = json.dumps({**event, "created": int(time.time()) + 1}).encode()
    response = client.post("/webhooks/stripe/connect", data=body, content_type="application/json",
                           headers={"Stripe-Signature": sign(body, "whsec_banktests0001", int(time.time()))})
    assert response.status_code == 200
    run_jobs()
    db.session.refresh(connection)
    assert connection.status == "revoked" and connection.access_token is None


def test_disconnect_forgets_the_tokens_and_says_to_uninstall_the_app_in_stripe(client, connection):
    response = client.post(f"/bank-reconciliation/connections/{connection.id}/disconnect", follow_redirects=True)
    assert "app in your Stripe Dashboard (Settings &gt; Installed apps)" in response.get_data(as_text=True)
    db.session.refresh(connection)
    assert connection.status == "disconnected" and connection.access_token is None


def test_a_code_stripe_refuses_is_shown_and_writes_nothing(client, auth, stripe_sandbox):
    auth.login()
    callback = install_app(client, stripe_sandbox)
    stripe_sandbox.control("POST", "clock/advance", seconds=301)  # codes last five minutes
    response = client.get(callback)
    assert response.status_code == 400
    assert "Stripe did not finish installing Light" in response.get_data(as_text=True)
    assert StripeConnection.query.count() == 0


def test_a_replayed_callback_is_refused_without_connecting_twice(client, auth, stripe_sandbox):
    auth.login()
    callback = install_app(client, stripe_sandbox)
    assert client.get(callback).status_code == 303
    assert client.get(callback).status_code == 400
    assert StripeConnection.query.count() == 1


def test_the_gateway_renews_an_expiring_key_once_per_call_and_no_more(connection, stripe_sandbox):
    stripe_sandbox.control("POST", "clock/advance", seconds=3601)  # this token and any issued before: expired
    asked = []

    def renew(stale):
        asked.append(stale)
        return stale  # still the expired one: Stripe answers 401 again

    gateway = StripeGateway(connection.access_token, api_base=stripe_sandbox.url, on_expired=renew)
    with pytest.raises(AuthenticationFailed):
        gateway.balance()
    assert asked == [connection.access_token]
