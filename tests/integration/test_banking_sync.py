"""Syncing the bank feed against the sandbox: idempotent, resumable, frugal, retried."""
from datetime import datetime, timedelta

import pytest

from light.banking import services, sync
from light.banking.models import BankAccount, BankPayout, BankTransaction, StripeConnection, SyncRun
from light.extensions import db
from light.plumbing.jobs.clock import tick
from light.plumbing.jobs.models import Job
from light.plumbing.stripe_gateway import ConnectToken, Unreachable
from tests.fixtures.owned.banking import CountingGateway, sandbox_config, sandbox_transactions
from tests.fixtures.stripe_sandbox import SleepRecorder


@pytest.fixture
def app_config(app_config, stripe_sandbox, sandbox_key):
    return sandbox_config(app_config, stripe_sandbox, sandbox_key)


@pytest.fixture
def owner(auth):
    return auth.create_owner()


@pytest.fixture
def connection(owner, stripe_sandbox, sandbox_key):
    """A connected account with 1,000 transactions over three months, in USD and JPY."""
    token = stripe_sandbox.connect_account(sandbox_key, "Big Shop", demo=False)
    stripe_sandbox.seed(account=token["stripe_user_id"], balance_transactions=1000, currencies=["usd", "jpy"])
    return services.store_connection(owner.organization_id, ConnectToken(
        token["stripe_user_id"], token["access_token"], token["refresh_token"], token["scope"], token["livemode"]))


def gateway_for(stripe_sandbox, sandbox_key, connection, cls=CountingGateway, **kwargs):
    return cls(sandbox_key, api_base=stripe_sandbox.url, connect_base=stripe_sandbox.url,
               stripe_account=connection.stripe_user_id, sleep=SleepRecorder(), **kwargs)


def stored_ids():
    return [t for (t,) in db.session.query(BankTransaction.stripe_id)]


def test_a_backfill_stores_every_transaction_once_and_the_balances(connection, stripe_sandbox, sandbox_key):
    run = sync.sync_connection(connection.id, gateway=gateway_for(stripe_sandbox, sandbox_key, connection))
    remote = sandbox_transactions(stripe_sandbox, connection.stripe_user_id)
    ids = stored_ids()
    assert len(ids) == len(set(ids)) == len(remote) == run.created_count
    assert set(ids) == set(remote)
    sample = BankTransaction.query.filter_by(stripe_id=next(iter(remote))).one()
    original = remote[sample.stripe_id]
    assert (sample.amount, sample.fee, sample.net) == (original["amount"], original["fee"], original["net"])
    balance = stripe_sandbox.store.accounts[connection.stripe_user_id].balance
    for account in BankAccount.query.filter_by(connection_id=connection.id):
        assert account.available == balance[account.currency.lower()]["available"]
    db.session.refresh(connection)
    assert connection.newest_transaction_id is not None and connection.backfilled_at is not None


def test_a_later_sync_with_nothing_new_costs_one_api_call(connection, stripe_sandbox, sandbox_key):
    sync.sync_connection(connection.id, gateway=gateway_for(stripe_sandbox, sandbox_key, connection))
    counting = gateway_for(stripe_sandbox, sandbox_key, connection)
    run = sync.sync_connection(connection.id, "clock", gateway=counting)
    assert counting.calls == ["balance_transactions.list"]
    assert (run.kind, run.created_count, run.error) == ("incremental", 0, None)


def test_a_later_sync_fetches_only_what_is_new(connection, stripe_sandbox, sandbox_key):
    sync.sync_connection(connection.id, gateway=gateway_for(stripe_sandbox, sandbox_key, connection))
    stripe_sandbox.control("POST", "payouts", account=connection.stripe_user_id)  # new payout transactions
    counting = gateway_for(stripe_sandbox, sandbox_key, connection)
    run = sync.sync_connection(connection.id, gateway=counting)
    assert 1 <= run.created_count <= 2
    assert set(stored_ids()) == set(sandbox_transactions(stripe_sandbox, connection.stripe_user_id))
    assert counting.calls.count("balance_transactions.list") <= 2


class FailingAfter(CountingGateway):
    """After `pages` pages of transactions, makes the SANDBOX fail every request that follows."""

    def __init__(self, *args, sandbox, pages, **kwargs):
        super().__init__(*args, **kwargs)
        self.sandbox, self.pages = sandbox, pages

    def _txn_page(self, params):
        if self.calls.count("balance_transactions.list") == self.pages:
            self.sandbox.faults(status=503, count=1000, path_prefix="/v1/balance_transactions")
        return super()._txn_page(params)


def test_a_backfill_killed_mid_way_then_run_again_has_no_duplicates_and_nothing_missing(
        connection, stripe_sandbox, sandbox_key):
    failing = gateway_for(stripe_sandbox, sandbox_key, connection, FailingAfter, sandbox=stripe_sandbox, pages=4,
                          max_attempts=2)
    with pytest.raises(Unreachable):
        sync.sync_connection(connection.id, gateway=failing)
    assert len(stored_ids()) == 400  # four pages committed, then the failure
    failed = SyncRun.query.one()
    assert failed.error and failed.finished_at is not None
    db.session.refresh(connection)
    assert connection.newest_transaction_id is None  # the mark waits for a complete backfill
    stripe_sandbox.clear_faults()

    sync.sync_connection(connection.id, gateway=gateway_for(stripe_sandbox, sandbox_key, connection))
    ids = stored_ids()
    assert len(ids) == len(set(ids))
    assert set(ids) == set(sandbox_transactions(stripe_sandbox, connection.stripe_user_id))


def test_a_later_sync_killed_mid_way_resumes_where_it_stopped(connection, stripe_sandbox, sandbox_key):
    sync.sync_connection(connection.id, gateway=gateway_for(stripe_sandbox, sandbox_key, connection))
    stripe_sandbox.seed(account=connection.stripe_user_id, balance_transactions=350, months=0,
                        start=stripe_sandbox.store.now() + 1, end=stripe_sandbox.store.now() + 600, seed=7,
                        currencies=["usd"], payout_every_days=30)
    failing = gateway_for(stripe_sandbox, sandbox_key, connection, FailingAfter, sandbox=stripe_sandbox, pages=2,
                          max_attempts=2)
    with pytest.raises(Unreachable):
        sync.sync_connection(connection.id, gateway=failing)
    stripe_sandbox.clear_faults()
    resumed = gateway_for(stripe_sandbox, sandbox_key, connection)
    run = sync.sync_connection(connection.id, gateway=resumed)
    ids = stored_ids()
    assert len(ids) == len(set(ids))
    assert set(ids) == set(sandbox_transactions(stripe_sandbox, connection.stripe_user_id))
    assert run.created_count == 150  # only what the killed sync had not stored


@pytest.mark.parametrize("status", [429, 500, 503])
def test_rate_limits_and_server_errors_are_retried_with_backoff(connection, stripe_sandbox, sandbox_key, status):
    gateway = gateway_for(stripe_sandbox, sandbox_key, connection)
    stripe_sandbox.faults(status=status, count=2, path_prefix="/v1/balance_transactions")
    run = sync.sync_connection(connection.id, gateway=gateway)
    assert run.error is None
    assert len(gateway.sleep.calls) == 2
    assert set(stored_ids()) == set(sandbox_transactions(stripe_sandbox, connection.stripe_user_id))


def test_pending_transactions_turn_available_on_a_later_sync(connection, stripe_sandbox, sandbox_key):
    sync.sync_connection(connection.id, gateway=gateway_for(stripe_sandbox, sandbox_key, connection))
    pending = {t.stripe_id for t in BankTransaction.query.filter_by(status="pending")}
    assert pending
    stripe_sandbox.advance_clock(days=3)
    later = datetime.utcnow() + timedelta(days=3)
    BankTransaction.query.filter(BankTransaction.stripe_id.in_(pending)).update(
        {"available_on": later - timedelta(days=4)}, synchronize_session=False)  # Light's clock can't move
    db.session.commit()
    run = sync.sync_connection(connection.id, gateway=gateway_for(stripe_sandbox, sandbox_key, connection))
    assert run.updated_count >= len(pending)
    assert BankTransaction.query.filter(BankTransaction.stripe_id.in_(pending),
                                        BankTransaction.status == "pending").count() == 0
    usd = BankAccount.query.filter_by(connection_id=connection.id, currency="USD").one()
    assert usd.pending == stripe_sandbox.store.accounts[connection.stripe_user_id].balance["usd"]["pending"] == 0


def test_a_transaction_type_light_does_not_know_is_stored_as_other(connection, stripe_sandbox, sandbox_key):
    from stripe_sandbox import money as sandbox_money

    store = stripe_sandbox.store
    with store.lock:
        odd = sandbox_money.new_transaction(store, store.accounts[connection.stripe_user_id], amount=-123,
                                            currency="usd", type="quantum_settlement",
                                            reporting_category="quantum", source=None,
                                            description="Something new from Stripe")
    run = sync.sync_connection(connection.id, gateway=gateway_for(stripe_sandbox, sandbox_key, connection))
    assert run.error is None
    stored = BankTransaction.query.filter_by(stripe_id=odd["id"]).one()
    assert (stored.type, stored.category) == ("quantum_settlement", "other")


def test_a_revoked_account_stops_syncing_and_is_marked_revoked(connection, stripe_sandbox, sandbox_key):
    stripe_sandbox.revoke(account=connection.stripe_user_id)
    run = sync.sync_connection(connection.id, gateway=gateway_for(stripe_sandbox, sandbox_key, connection))
    assert "revoked" in run.error
    db.session.refresh(connection)
    assert connection.status == "revoked"
    assert sync.sync_connection(connection.id) is None


def test_a_platform_key_stripe_rejects_fails_the_sync_without_marking_the_account_revoked(
        app, connection, stripe_sandbox, sandbox_key):
    stripe_sandbox.revoke(api_key=sandbox_key)  # Light's own key, e.g. rolled in the Stripe Dashboard
    run = sync.sync_connection(connection.id)
    assert run.error and "API key" in run.error
    db.session.refresh(connection)
    assert connection.status == "active" and connection.access_token is not None


class Exploding(CountingGateway):
    def _txn_page(self, params):
        raise RuntimeError("INSERT INTO secret_table VALUES ('sk_live_internal')")


def test_an_unexpected_failure_is_recorded_without_internals_and_shown_as_a_plain_message(
        client, auth, owner, connection, stripe_sandbox, sandbox_key):
    with pytest.raises(sync.SyncFailed) as failed:
        sync.sync_connection(connection.id, gateway=gateway_for(stripe_sandbox, sandbox_key, connection, Exploding))
    assert "secret_table" not in str(failed.value) and "secret_table" in str(failed.value.__cause__)
    run = SyncRun.query.one()
    assert run.finished_at is not None and run.error and "secret_table" not in run.error
    account = BankAccount(organization_id=owner.organization_id, connection_id=connection.id, name="Stripe (USD)",
                          currency="USD")
    db.session.add(account)
    db.session.commit()
    auth.login(owner)
    page = client.get(f"/bank-reconciliation/accounts/{account.id}").get_data(as_text=True)
    assert "Last sync failed" in page and "sk_live_internal" not in page


def test_a_payout_expands_to_what_it_paid_out_summing_exactly_to_the_payout(connection, stripe_sandbox,
                                                                             sandbox_key):
    sync.sync_connection(connection.id, gateway=gateway_for(stripe_sandbox, sandbox_key, connection))
    reconciled = BankPayout.query.filter(BankPayout.breakdown_fetched_at.isnot(None)).all()
    assert reconciled
    for payout in reconciled:
        members = BankTransaction.query.filter(BankTransaction.payout_id == payout.stripe_id,
                                               BankTransaction.source_id != payout.stripe_id).all()
        assert members and sum(m.net for m in members) == payout.amount
    waiting = BankPayout.query.filter(BankPayout.breakdown_fetched_at.is_(None)).all()
    assert all(p.status in ("pending", "in_transit") for p in waiting)


def test_sync_now_never_starts_a_second_sync_of_the_same_account_while_one_runs(client, auth, owner, connection):
    auth.login(auth.create_member(owner))
    first = client.post(f"/bank-reconciliation/connections/{connection.id}/sync")
    second = client.post(f"/bank-reconciliation/connections/{connection.id}/sync")
    assert first.status_code == second.status_code == 303
    assert Job.query.filter_by(kind="bank_sync").count() == 1


def test_the_clock_queues_one_sync_per_active_connection(connection, stripe_sandbox, sandbox_key, run_jobs):
    for status in ("revoked", "disconnected"):
        db.session.add(StripeConnection(organization_id=connection.organization_id,
                                        stripe_user_id=f"acct_{status}0001", status=status))
    db.session.commit()
    assert "bank_feed_sync" in tick()
    run_jobs()
    syncs = Job.query.filter_by(kind="bank_sync").all()
    assert len(syncs) == 1 and syncs[0].status == "finished"
    assert SyncRun.query.filter_by(connection_id=connection.id, trigger="clock").count() == 1
    assert tick() == []  # not due again inside SYNC_INTERVAL_MINUTES
