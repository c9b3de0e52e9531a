"""Owners hear when a Stripe Account stops syncing for Bank Reconciliation: once when it starts
failing, not at every hourly retry, and again only after a sync has worked."""
import pytest

from light.banking import services, sync
from light.plumbing.stripe_gateway import ConnectToken
from tests.fixtures.owned.banking import sandbox_config


@pytest.fixture
def app_config(app_config, stripe_sandbox, sandbox_key, smtp_server):
    app_config.update(SMTP_URL=smtp_server.url)
    return sandbox_config(app_config, stripe_sandbox, sandbox_key)


@pytest.fixture
def connection(auth, stripe_sandbox, sandbox_key):
    owner = auth.create_owner()
    token = stripe_sandbox.connect_account(sandbox_key, "Big Shop", demo=False)
    stripe_sandbox.seed(account=token["stripe_user_id"], balance_transactions=20, currencies=["usd"])
    return services.store_connection(owner.organization_id, ConnectToken(
        token["stripe_user_id"], token["access_token"], token["refresh_token"], token["scope"], token["livemode"]))


def test_a_sync_that_starts_failing_tells_the_owners_once(connection, stripe_sandbox, sandbox_key, smtp_server,
                                                          run_jobs):
    assert sync.sync_connection(connection.id).error is None
    run_jobs()
    assert smtp_server.messages == []

    stripe_sandbox.revoke(api_key=sandbox_key)  # Light's own key rolled: every sync now fails
    for _ in range(3):
        assert sync.sync_connection(connection.id).error
        run_jobs()
    told = [m for m in smtp_server.messages if m["Subject"].startswith("Bank sync failed")]
    assert len(told) == 1
    assert "API key" in smtp_server.text(told[0]) and "/bank-reconciliation/" in smtp_server.text(told[0])


def test_after_a_sync_that_worked_the_next_failure_is_told_again(connection, smtp_server, run_jobs):
    from light.banking.models import SyncRun
    from light.extensions import db
    from light.notifications import events
    from light.utc import utcnow

    def finished(error):
        run = SyncRun(organization_id=connection.organization_id, connection_id=connection.id, kind="incremental",
                      finished_at=utcnow(), error=error)
        db.session.add(run)
        db.session.commit()
        events.sync_failed(run.id)
        run_jobs()

    for error in ("Stripe could not be reached.", "Stripe could not be reached.", None,
                  "Stripe could not be reached.", sync.STOPPED, "Stripe could not be reached."):
        finished(error)
    assert len([m for m in smtp_server.messages if m["Subject"].startswith("Bank sync failed")]) == 2
