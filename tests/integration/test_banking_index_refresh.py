"""Bank Reconciliation's index while a sync runs: the accounts poll, and each poll brings the Stripe
Accounts section along out of band, so "Last synced" moves on when the sync ends, not at a reload."""
from datetime import datetime

from light.banking import services
from light.banking.models import StripeConnection
from light.extensions import db
from light.plumbing.jobs.queue import enqueue
from tests import jobs_tasks


def _connection(owner, **extra):
    connection = StripeConnection(organization_id=owner.organization_id, stripe_user_id="acct_refresh001",
                                  display_name="Refresh Shop", status="active", **extra)
    db.session.add(connection)
    db.session.commit()
    return connection


def test_the_polled_accounts_bring_the_stripe_accounts_along_until_the_sync_ends(client, auth, run_jobs):
    owner = auth.login()
    connection = _connection(owner)
    enqueue(jobs_tasks.count_to, 1, kind="sync", description="Sync", organization_id=owner.organization_id,
            active_key=services.sync_key(connection.id))

    polling = client.get("/bank-reconciliation/", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert 'hx-trigger="load delay:1s"' in polling  # the accounts keep polling while the sync runs
    assert 'id="stripe-connections" hx-swap-oob="true"' in polling and "Last synced: not yet" in polling

    run_jobs()
    connection.last_synced_at = datetime(2026, 12, 3, 9, 30)
    db.session.commit()
    last = client.get("/bank-reconciliation/", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "hx-trigger" not in last.split('id="stripe-connections"')[0]  # the poll stops
    assert 'hx-swap-oob="true"' in last and "Last synced: not yet" not in last and "03 Dec 2026" in last


def test_the_full_page_shows_the_stripe_accounts_once_and_never_out_of_band(client, auth):
    owner = auth.login()
    _connection(owner)
    page = client.get("/bank-reconciliation/").get_data(as_text=True)
    assert page.count('id="stripe-connections"') == 1 and "hx-swap-oob" not in page
    assert "Refresh Shop" in page and "Sync now" in page
