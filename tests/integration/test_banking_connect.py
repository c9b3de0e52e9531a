"""Connect Bank > Stripe Account against the sandbox: OAuth, the connection, disconnecting."""
import logging
import re

import pytest
from sqlalchemy import text

from light.banking.models import BankAccount, BankTransaction, StripeConnection, SyncRun
from light.extensions import db
from tests.fixtures.owned.banking import connect_through_sandbox, consent, sandbox_config, sandbox_transactions


@pytest.fixture
def app_config(app_config, stripe_sandbox, sandbox_key):
    return sandbox_config(app_config, stripe_sandbox, sandbox_key)


def test_connecting_shows_each_balance_currency_as_a_bank_account_with_its_history(client, auth, stripe_sandbox,
                                                                                   run_jobs):
    auth.login()
    page = client.get("/bank-reconciliation/connect").get_data(as_text=True)
    assert "Stripe Account" in page
    connection = connect_through_sandbox(client, stripe_sandbox, business_name="Acme Coffee")
    assert connection.status == "active" and connection.scope == "read_write" and connection.livemode is False
    assert connection.display_name == "Acme Coffee"
    run_jobs()

    remote = stripe_sandbox.store.accounts[connection.stripe_user_id]
    accounts = {a.currency: a for a in BankAccount.query.filter_by(connection_id=connection.id)}
    assert set(accounts) == {c.upper() for c in remote.balance}
    for currency, totals in remote.balance.items():
        assert (accounts[currency.upper()].available, accounts[currency.upper()].pending) == \
            (totals["available"], totals["pending"])
    assert accounts["USD"].name == "Stripe (USD)" and accounts["JPY"].name == "Stripe (JPY)"
    stored = {t.stripe_id for t in BankTransaction.query}
    assert stored == set(sandbox_transactions(stripe_sandbox, connection.stripe_user_id))
    run = SyncRun.query.one()
    assert run.kind == "backfill" and run.trigger == "connect" and run.error is None
    assert run.created_count == len(stored) and run.finished_at is not None

    index = client.get("/bank-reconciliation/").get_data(as_text=True)
    assert "Stripe (USD)" in index and "Stripe (EUR)" in index and "Stripe (JPY)" in index


def test_a_jpy_balance_is_shown_in_whole_yen(client, auth, stripe_sandbox, run_jobs):
    auth.login()
    connection = connect_through_sandbox(client, stripe_sandbox)
    run_jobs()
    jpy = BankAccount.query.filter_by(connection_id=connection.id, currency="JPY").one()
    remote = stripe_sandbox.store.accounts[connection.stripe_user_id].balance["jpy"]
    assert jpy.available == remote["available"]
    page = client.get(f"/bank-reconciliation/accounts/{jpy.id}").get_data(as_text=True)
    whole_yen = f"¥{remote['available']:,}" if remote["available"] >= 0 else f"-¥{-remote['available']:,}"
    assert whole_yen in page
    assert re.search(r"¥[\d,]+\.\d", page) is None  # no minor unit in yen


def test_the_tokens_are_stored_encrypted(client, auth, stripe_sandbox):
    auth.login()
    connection = connect_through_sandbox(client, stripe_sandbox)
    raw = db.session.execute(text("SELECT access_token, refresh_token FROM stripe_connections WHERE id = :id"),
                             {"id": connection.id}).one()
    assert connection.access_token.startswith("sk_test_") and connection.refresh_token.startswith("rt_")
    assert connection.access_token not in raw[0] and connection.refresh_token not in raw[1]


def test_declining_at_stripe_shows_a_message_and_connects_nothing(client, auth, stripe_sandbox):
    auth.login()
    response = client.get(consent(client, stripe_sandbox, decision="decline"))
    assert response.status_code == 200
    assert "You declined to connect your Stripe Account" in response.get_data(as_text=True)
    assert StripeConnection.query.count() == 0


def test_a_replayed_callback_is_refused_without_connecting_twice(client, auth, stripe_sandbox):
    auth.login()
    callback = consent(client, stripe_sandbox)
    assert client.get(callback).status_code == 303
    replay = client.get(callback)
    assert replay.status_code == 400
    assert "expired or was already used" in replay.get_data(as_text=True)
    assert StripeConnection.query.count() == 1


def test_a_reused_code_with_a_fresh_state_is_refused_by_stripe_with_a_message(client, auth, stripe_sandbox):
    auth.login()
    first = consent(client, stripe_sandbox)
    assert client.get(first).status_code == 303
    code = first.split("code=")[1].split("&")[0]
    fresh = consent(client, stripe_sandbox)
    state = fresh.split("state=")[1].split("&")[0]
    response = client.get(f"/bank-reconciliation/connect/stripe/callback?code={code}&state={state}")
    assert response.status_code == 400
    assert "authorization code has expired or was already used" in response.get_data(as_text=True)
    assert StripeConnection.query.count() == 1


def test_a_forged_state_is_refused(client, auth, stripe_sandbox):
    auth.login()
    callback = consent(client, stripe_sandbox).replace("state=", "state=forged")
    response = client.get(callback)
    assert response.status_code == 400 and StripeConnection.query.count() == 0


def test_a_stripe_error_at_the_token_exchange_is_a_message_not_a_500(client, auth, stripe_sandbox):
    auth.login()
    callback = consent(client, stripe_sandbox)
    stripe_sandbox.faults(status=500, count=1, path_prefix="/oauth/token")
    response = client.get(callback)
    assert response.status_code == 400
    assert "Stripe could not be reached" in response.get_data(as_text=True)
    assert StripeConnection.query.count() == 0


def test_the_callback_needs_the_user_who_started_it_logged_in(client, auth, stripe_sandbox):
    auth.login()
    callback = consent(client, stripe_sandbox)
    auth.logout()
    assert client.get(callback).status_code == 302
    auth.login(auth.create_owner(organization="Someone else"))
    assert client.get(callback).status_code == 400  # the state belongs to the user who started
    assert StripeConnection.query.count() == 0


def test_disconnecting_deauthorizes_at_stripe_and_keeps_the_history_read_only(client, auth, stripe_sandbox,
                                                                              run_jobs):
    auth.login()
    connection = connect_through_sandbox(client, stripe_sandbox)
    run_jobs()
    count = BankTransaction.query.count()
    response = client.post(f"/bank-reconciliation/connections/{connection.id}/disconnect")
    assert response.status_code == 303
    db.session.refresh(connection)
    assert connection.status == "disconnected" and connection.access_token is None
    assert not stripe_sandbox.store.connected(
        stripe_sandbox.store.keys[client.application.config["STRIPE_SECRET_KEY"]].account_id,
        connection.stripe_user_id)
    assert BankTransaction.query.count() == count
    page = client.get("/bank-reconciliation/").get_data(as_text=True)
    assert "Disconnected" in page and "Reconnect" in page
    client.post(f"/bank-reconciliation/connections/{connection.id}/sync")
    run_jobs()
    assert SyncRun.query.count() == 1  # no sync of a disconnected account


def test_reconnecting_the_same_stripe_account_keeps_its_history_and_only_fetches_what_is_new(
        client, auth, stripe_sandbox, run_jobs):
    auth.login()
    connection = connect_through_sandbox(client, stripe_sandbox)
    run_jobs()
    client.post(f"/bank-reconciliation/connections/{connection.id}/disconnect")
    again = connect_through_sandbox(client, stripe_sandbox, account=connection.stripe_user_id)
    assert again.id == connection.id and again.status == "active"
    run_jobs()
    latest = SyncRun.query.order_by(SyncRun.id.desc()).first()
    assert latest.kind == "incremental" and latest.error is None
    assert BankTransaction.query.count() == len(sandbox_transactions(stripe_sandbox, connection.stripe_user_id))


def test_members_cannot_connect_a_bank(client, auth, stripe_sandbox):
    owner = auth.create_owner()
    auth.login(auth.create_member(owner))
    assert client.get("/bank-reconciliation/connect/stripe").status_code == 403


def test_the_tokens_are_never_shown_on_a_page_nor_written_to_the_log(client, auth, stripe_sandbox, run_jobs,
                                                                      caplog):
    caplog.set_level(logging.DEBUG)
    auth.login()
    connection = connect_through_sandbox(client, stripe_sandbox)
    run_jobs()
    secrets = [connection.access_token, connection.refresh_token]
    account = BankAccount.query.filter_by(connection_id=connection.id).first()
    pages = [client.get(url).get_data(as_text=True) for url in (
        "/bank-reconciliation/", "/bank-reconciliation/connect", f"/bank-reconciliation/accounts/{account.id}")]
    for secret in secrets:
        assert all(secret not in page for page in pages) and secret not in caplog.text
        assert secret not in repr(connection)


def test_a_failed_callback_uses_up_the_state_so_the_real_callback_cannot_follow(client, auth, stripe_sandbox):
    auth.login()
    callback = consent(client, stripe_sandbox)
    assert client.get(callback.replace("state=", "state=guess")).status_code == 400
    response = client.get(callback)
    assert response.status_code == 400 and "expired or was already used" in response.get_data(as_text=True)
    assert StripeConnection.query.count() == 0
