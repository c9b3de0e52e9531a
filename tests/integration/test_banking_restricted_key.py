"""Connect Bank > Stripe Account with a restricted key: no Stripe App, no Connect platform, a key
that can only read. Checked with reads alone, synced by the clock, and forgotten on Disconnect."""
import pytest

from light.banking.models import BankAccount, BankTransaction, StripeConnection
from light.extensions import db
from tests.fixtures.owned.banking import sandbox_config, sandbox_transactions
from tests.fixtures.stripe_sandbox import new_key

URL = "/bank-reconciliation/connect/stripe/key"


@pytest.fixture
def app_config(app_config, stripe_sandbox, sandbox_key):
    config = sandbox_config(app_config, stripe_sandbox, sandbox_key)
    config.pop("STRIPE_CONNECT_WEBHOOK_SECRET")
    return config


@pytest.fixture
def feed_key(stripe_sandbox):
    """A restricted key of an account with history, allowed nothing but what the feed reads."""
    key = new_key("rk_test_")
    stripe_sandbox.seed(key, balance_transactions=240, months=2, currencies=["usd", "eur"])
    stripe_sandbox.restrict(key, deny=["account", "customers", "payment_intents", "checkout_sessions",
                                       "payment_methods", "webhook_endpoints"])
    return key


def account_of(stripe_sandbox, key):
    return stripe_sandbox.store.keys[key].account_id


def error_beside_the_key(response) -> str:
    html = response.get_data(as_text=True)
    start = html.index('id="e-secret_key"')
    return html[start:html.index("</", start)]


def test_a_restricted_key_becomes_a_bank_feed_with_the_accounts_full_history(client, auth, stripe_sandbox,
                                                                             feed_key, run_jobs):
    auth.login()
    assert "Or use a restricted key" in client.get("/bank-reconciliation/connect").get_data(as_text=True)
    response = client.post(URL, data={"secret_key": feed_key})
    assert response.status_code == 303
    connection = StripeConnection.query.one()
    assert connection.method == "restricted_key" and connection.access_token == feed_key
    assert feed_key not in client.get("/bank-reconciliation/").get_data(as_text=True)
    run_jobs()
    stored = {t.stripe_id for t in BankTransaction.query}
    assert stored == set(sandbox_transactions(stripe_sandbox, account_of(stripe_sandbox, feed_key)))
    assert {a.currency for a in BankAccount.query} == {"USD", "EUR"}


@pytest.mark.parametrize("denied, label", [("balance", "Balance (Read)"),
                                           ("balance_transactions", "Balance transaction sources (Read)"),
                                           ("payouts", "Payouts (Read)")])
def test_a_key_missing_a_read_the_feed_needs_is_refused_beside_the_field(client, auth, stripe_sandbox, denied, label):
    auth.login()
    key = new_key("rk_test_")
    stripe_sandbox.restrict(key, deny=[denied])
    response = client.post(URL, data={"secret_key": key})
    assert response.status_code == 422
    assert f"lacks a permission the bank feed needs: {label}" in error_beside_the_key(response)
    assert StripeConnection.query.count() == 0


@pytest.mark.parametrize("pasted, says", [("pk_test_abcdefgh12345678", "publishable key"),
                                          ("", "Paste your Stripe secret key"),
                                          ("sk_test_notakeyatall999", "wrong or has been revoked")])
def test_what_is_not_a_working_key_is_refused_and_nothing_is_saved(client, auth, stripe_sandbox, pasted, says):
    auth.login()
    if pasted.startswith("sk_"):
        stripe_sandbox.revoke(api_key=pasted)
    response = client.post(URL, data={"secret_key": pasted})
    assert response.status_code == 422 and says in error_beside_the_key(response)
    assert StripeConnection.query.count() == 0


def test_a_key_revoked_in_stripe_marks_the_feed_revoked_at_the_next_sync(client, auth, stripe_sandbox, feed_key,
                                                                          run_jobs):
    auth.login()
    client.post(URL, data={"secret_key": feed_key})
    run_jobs()
    connection = StripeConnection.query.one()
    stripe_sandbox.revoke(api_key=feed_key)
    client.post(f"/bank-reconciliation/connections/{connection.id}/sync")
    run_jobs()
    db.session.expire_all()
    assert db.session.get(StripeConnection, connection.id).status == "revoked"


def test_disconnect_forgets_the_key_and_keeps_the_history(client, auth, stripe_sandbox, feed_key, run_jobs):
    auth.login()
    client.post(URL, data={"secret_key": feed_key})
    run_jobs()
    connection = StripeConnection.query.one()
    count = BankTransaction.query.count()
    assert client.post(f"/bank-reconciliation/connections/{connection.id}/disconnect").status_code == 303
    db.session.expire_all()
    connection = db.session.get(StripeConnection, connection.id)
    assert (connection.status, connection.access_token) == ("disconnected", None)
    assert BankTransaction.query.count() == count


def test_members_cannot_paste_a_key(client, auth):
    owner = auth.create_owner()
    auth.login(auth.create_member(owner))
    assert client.get(URL).status_code == 403
    assert client.post(URL, data={"secret_key": "rk_test_whatever12345"}).status_code == 403
