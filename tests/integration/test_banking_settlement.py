"""The bank feed keeps what Stripe says about conversion and deposits: a foreign charge's
exchange_rate (a decimal string, never a float) and a paid payout's trace_id."""
from decimal import Decimal

import pytest

from light.banking import services, sync
from light.banking.models import BankAccount, BankPayout, BankTransaction
from light.plumbing.stripe_gateway import ConnectToken
from tests.fixtures.owned.banking import CountingGateway, sandbox_config, sandbox_transactions
from tests.fixtures.stripe_sandbox import SleepRecorder


@pytest.fixture
def app_config(app_config, stripe_sandbox, sandbox_key):
    return sandbox_config(app_config, stripe_sandbox, sandbox_key)


@pytest.fixture
def connection(auth, stripe_sandbox, sandbox_key):
    """A US account with a EUR bank account too, whose customers also pay in GBP and JPY."""
    owner = auth.create_owner()
    token = stripe_sandbox.connect_account(sandbox_key, "Shop Abroad", demo=False)
    stripe_sandbox.seed(account=token["stripe_user_id"], balance_transactions=300, months=2,
                        currencies=["usd", "eur"], foreign_currencies=["gbp", "jpy"])
    connection = services.store_connection(owner.organization_id, ConnectToken(
        token["stripe_user_id"], token["access_token"], token["refresh_token"], token["scope"], token["livemode"]))
    sync.sync_connection(connection.id, gateway=CountingGateway(
        sandbox_key, api_base=stripe_sandbox.url, connect_base=stripe_sandbox.url,
        stripe_account=connection.stripe_user_id, sleep=SleepRecorder()))
    return connection


def test_converted_transactions_keep_stripes_rate_as_a_decimal_string(connection, stripe_sandbox):
    remote = sandbox_transactions(stripe_sandbox, connection.stripe_user_id)
    converted = BankTransaction.query.filter(BankTransaction.exchange_rate.isnot(None)).all()
    assert converted, "the seed converts some GBP and JPY charges into USD"
    for row in converted:
        assert isinstance(row.exchange_rate, str) and row.currency == "USD"
        assert Decimal(row.exchange_rate) == Decimal(str(remote[row.stripe_id]["exchange_rate"]))
    assert {row.exchange_rate for row in converted} <= {"1.27", "0.0067"}
    assert BankTransaction.query.filter_by(currency="EUR").filter(BankTransaction.exchange_rate.isnot(None)).count() == 0
    assert {a.currency for a in BankAccount.query.filter_by(connection_id=connection.id)} == {"USD", "EUR"}


def test_a_paid_payout_keeps_its_trace_id_and_a_payout_still_on_its_way_has_none(connection, stripe_sandbox):
    account = stripe_sandbox.store.accounts[connection.stripe_user_id]
    payouts = {p.stripe_id: p for p in BankPayout.query.all()}
    assert payouts
    for remote in account["payouts"].items:
        mine = payouts.get(remote["id"])
        if mine is None or mine.checked_at is None:
            continue
        expected = remote["trace_id"]["value"] if remote["trace_id"]["status"] == "supported" else None
        assert mine.trace_id == expected
    assert any(p.trace_id for p in payouts.values())
