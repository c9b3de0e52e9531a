"""Webhook bursts coalesce: a thousand Connect events for one connection make a handful of syncs,
each event is processed once, and events that need no sync make none."""
import collections
import json
import os
import subprocess
import sys
import time

import pytest

from light.banking import services, sync
from light.banking.models import SyncRun
from light.extensions import db
from light.plumbing.jobs.models import Job
from light.plumbing.stripe_gateway import ConnectToken
from light.plumbing.webhooks import dispatch
from light.plumbing.webhooks.models import StripeEvent
from stripe_sandbox.events import sign
from tests.fixtures.owned.banking import sandbox_config
from tests.integration.test_crash_safety import ROOT
from tests.integration.test_crash_safety import _kill as kill_worker
from tests.integration.test_crash_safety import _procfile_worker_command as procfile_worker_command

SECRET = "whsec_banktests0001"
TYPES = ("balance.available", "charge.succeeded", "payout.paid", "charge.refunded", "charge.updated")


@pytest.fixture
def app_config(app_config, stripe_sandbox, sandbox_key):
    return sandbox_config(app_config, stripe_sandbox, sandbox_key)


@pytest.fixture
def connection(auth, stripe_sandbox, sandbox_key):
    """A connected account already backfilled, so each sync after it is a quick one."""
    owner = auth.create_owner()
    token = stripe_sandbox.connect_account(sandbox_key, "Burst Shop", demo=False)
    stripe_sandbox.seed(account=token["stripe_user_id"], balance_transactions=300, currencies=["usd"])
    connection = services.store_connection(owner.organization_id, ConnectToken(
        token["stripe_user_id"], token["access_token"], token["refresh_token"], token["scope"], token["livemode"]))
    sync.sync_connection(connection.id, "connect")
    return connection


@pytest.fixture
def handled(app):
    """How many times each event's handlers ran (by event id)."""
    counts = collections.Counter()

    def counted(handler):
        def wrapper(record):
            counts[record.id] += 1
            return handler(record)
        return wrapper

    app.extensions["light_stripe_events"] = tuple(
        dispatch.Route(r.endpoint, r.type, counted(r.handler)) for r in app.extensions["light_stripe_events"])
    return counts


def deliver(client, index, account, *, event_type=None, created=None):
    event_type = event_type or TYPES[index % len(TYPES)]
    body = json.dumps({"id": f"evt_burst{index:05d}", "object": "event", "type": event_type, "account": account,
                       "livemode": False, "created": created or int(time.time()),
                       "data": {"object": {"id": f"po_burst{index % 7}", "object": "payout"}}}).encode()
    response = client.post("/webhooks/stripe/connect", data=body, content_type="application/json",
                           headers={"Stripe-Signature": sign(body, SECRET, int(time.time()))})
    assert response.status_code == 200, response.get_data(as_text=True)


def webhook_syncs():
    return SyncRun.query.filter_by(trigger="webhook").count()


def test_a_thousand_events_delivered_at_once_make_one_sync_and_each_is_processed_once(
        client, connection, handled, run_jobs):
    for i in range(1000):
        deliver(client, i, connection.stripe_user_id)
    assert Job.query.filter_by(kind="stripe_event").count() == 1  # one drain job, not a thousand
    run_jobs()
    db.session.expire_all()
    assert StripeEvent.query.filter(StripeEvent.processed_at.is_(None)).count() == 0
    assert len(handled) == 1000 and set(handled.values()) == {1}
    assert webhook_syncs() == 1
    assert Job.query.filter(Job.status.in_(("queued", "running"))).count() == 0


@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs a real Redis (REDIS_URL) for a separate worker process")
def test_a_thousand_events_arriving_while_a_real_worker_drains_make_a_handful_of_syncs(
        app, client, connection, database_url, stripe_sandbox, sandbox_key):
    env = {**os.environ, "DATABASE_URL": database_url, "LIGHT_ENCRYPTION_KEY": app.config["LIGHT_ENCRYPTION_KEY"],
           "SECRET_KEY": "x", "PYTHONPATH": ROOT, "RQ_QUEUE": app.config["RQ_QUEUE"],
           "PATH": os.path.dirname(os.path.abspath(sys.executable)) + os.pathsep + os.environ.get("PATH", ""),
           "STRIPE_API_BASE": stripe_sandbox.url, "STRIPE_CONNECT_BASE": stripe_sandbox.url,
           "STRIPE_SECRET_KEY": sandbox_key, "STRIPE_CLIENT_ID": "ca_lighttest0001"}
    worker = subprocess.Popen(["bash", "-c", f"exec {procfile_worker_command()} --quiet"], env=env, cwd=ROOT,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        started = time.monotonic()
        for i in range(1000):
            deliver(client, i, connection.stripe_user_id)
        delivered = time.monotonic() - started
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            db.session.expire_all()
            if not Job.query.filter(Job.status.in_(("queued", "running"))).count():
                break
            time.sleep(0.1)
        drained = time.monotonic() - started
    finally:
        kill_worker(worker)
    db.session.expire_all()
    assert StripeEvent.query.filter(StripeEvent.processed_at.is_(None)).count() == 0
    syncs = webhook_syncs()
    print(f"\n1,000 events delivered in {delivered:.1f}s, all processed after {drained:.1f}s: {syncs} syncs, "
          f"{Job.query.filter_by(kind='stripe_event').count()} event jobs")
    assert 1 <= syncs <= 12


def test_events_that_move_no_money_or_that_a_later_sync_already_read_make_no_sync(client, connection, run_jobs):
    for i in range(50):
        deliver(client, i, connection.stripe_user_id, event_type="charge.updated")
    old = int(time.time()) - 3600  # before the backfill of the fixture started: a late retry, a replay
    for i in range(50, 100):
        deliver(client, i, connection.stripe_user_id, event_type="charge.succeeded", created=old)
    run_jobs()
    assert StripeEvent.query.filter(StripeEvent.processed_at.is_(None)).count() == 0
    assert webhook_syncs() == 0 and Job.query.filter_by(kind="bank_sync").count() == 0


def test_an_event_arriving_while_its_sync_runs_makes_one_follow_up_sync(app, client, connection, run_jobs):
    job = services.start_sync(connection, "manual")
    db.session.query(Job).filter_by(id=job.id).update({"status": "running"})  # a worker has it
    db.session.commit()
    for _ in range(3):
        assert services.start_sync(connection, "webhook", coalesce=True).id == job.id
    db.session.expire_all()
    assert db.session.get(Job, job.id).rerun is True
    # The sync finishes: it is queued once more, as the same job, and then done.
    from light.plumbing.jobs import runner

    runner._finished(job.id, "0 new, 0 updated")
    db.session.expire_all()
    again = db.session.get(Job, job.id)
    assert (again.status, again.rerun, again.submissions) == ("queued", False, 1)
    run_jobs()
    db.session.expire_all()
    assert db.session.get(Job, job.id).status == "finished"
    assert Job.query.filter_by(kind="bank_sync").count() == 1 and SyncRun.query.filter_by(trigger="manual").count() == 1
