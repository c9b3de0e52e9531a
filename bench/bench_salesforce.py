"""Salesforce benchmark: `python bench/bench_salesforce.py [--n 1000] [--poll-seconds 5]`.

Against the local Salesforce and the Stripe sandbox (both in threads), a temp SQLite database and
RQ on the local Redis (REDIS_URL, default redis://127.0.0.1:6379/0), it prints, in one run:
- a soak of N opportunities with random stage flips (won, lost, won again), every poll duplicated,
  two workers polling at once, and a worker killed (SIGKILL) mid-poll: duplicates and misses (a deal
  won at the end without exactly one invoice and one pay-link e-mail), both expected 0;
- API calls per idle poll (goal 1) and per invoiced deal (goal <= 2, plus one write-back per status
  change, counted apart);
- p95 time from a stage change to the pay-link e-mail with a clock polling every --poll-seconds
  (goal: at most the poll interval plus 60 s).
The overlap is cut to 2 s (SALESFORCE_OVERLAP_SECONDS) so an idle poll is idle within the run.
"""
import argparse
import logging
import multiprocessing
import os
import random
import signal
import statistics
import sys
import tempfile
import threading
import time
from datetime import UTC
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import requests
from redis import Redis
from werkzeug.serving import make_server

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from light import create_app  # noqa: E402
from light.plumbing.crypto import derive_key  # noqa: E402
from salesforce_sandbox import CONSUMER_KEY, CONSUMER_SECRET  # noqa: E402
from salesforce_sandbox import create_sandbox_app as salesforce_app  # noqa: E402
from stripe_sandbox import create_sandbox_app as stripe_app  # noqa: E402

PASSWORD = "correct horse battery staple"
STEPS = ("send_payment_link", "reminders", "mark_paid_and_receipt", "notify_on_failure")


def serve(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_port}"


def build(poll_seconds):
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    logging.getLogger("rq.worker").setLevel(logging.ERROR)
    salesforce, stripe = salesforce_app(), stripe_app()
    sf_url, stripe_url = serve(salesforce), serve(stripe)
    db_path = os.path.join(tempfile.mkdtemp(prefix="light-bench-sf-"), "bench.sqlite3")
    app = create_app({
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{db_path}", "SECRET_KEY": "bench", "LIGHT_ENV": "bench",
        "LIGHT_ENCRYPTION_KEY": derive_key("bench"), "WTF_CSRF_ENABLED": False, "EMBEDDED_CLOCK": False,
        "REDIS_CONNECTION": Redis.from_url(os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")),
        "RQ_QUEUE": f"bench-salesforce-{os.getpid()}", "JOB_LEASE_SECONDS": 1,
        "JOB_HEARTBEAT_SECONDS": 0.5, "STRIPE_API_BASE": stripe_url,
        "STRIPE_CONNECT_BASE": stripe_url, "STRIPE_MAX_ATTEMPTS": 2, "LIGHT_PUBLIC_URL": "http://light.bench",
        "SALESFORCE_CLIENT_ID": CONSUMER_KEY, "SALESFORCE_CLIENT_SECRET": CONSUMER_SECRET,
        "SALESFORCE_PRODUCTION_LOGIN_URL": sf_url, "SALESFORCE_SANDBOX_LOGIN_URL": sf_url,
        "SALESFORCE_POLL_SECONDS": poll_seconds, "SALESFORCE_OVERLAP_SECONDS": 2,
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1"})
    return app, salesforce.config["SANDBOX_STORE"], sf_url


def set_up(app, store, sf_url):
    """An owner with Stripe and a published Invoice-to-Cash, connected to a fresh org through the routes."""
    from light.auth import services as auth
    from light.extensions import db
    from light.integrations import services as integrations
    from light.salesforce.models import SalesforceConnection
    from light.workflows import services as workflows

    with app.app_context():
        db.create_all()
        db.session.execute(db.text("PRAGMA journal_mode=WAL"))
        user = auth.sign_up(organization_name="Bench Ltd", name="Bench", email="owner@bench.example.com",
                            password=PASSWORD)
        integrations.connect_stripe(organization_id=user.organization_id, user_id=user.id,
                                    secret_key="sk_test_" + "b" * 24)
        workflows.save_draft(organization_id=user.organization_id, user_id=user.id,
                             form={f"{step}-enabled": "on" for step in STEPS} | {"reminders-days_before": "3",
                                                                                  "reminders-days_after": "7"})
        workflows.publish(organization_id=user.organization_id, user_id=user.id)
        org = store.create_org()
        client = app.test_client()
        client.post("/login", data={"email": user.email, "password": PASSWORD})
        start = client.post("/settings/integrations/salesforce/new", data={"environment": "production"})
        params = {k: v[0] for k, v in parse_qs(urlsplit(start.headers["Location"]).query).items()}
        consent = requests.post(f"{sf_url}/services/oauth2/authorize", allow_redirects=False, timeout=30,
                                data={**params, "org": org.id, "decision": "accept"})
        assert client.get("/" + consent.headers["Location"].split("/", 3)[3]).status_code == 303
        connection_id = SalesforceConnection.query.one().id
        db.session.remove()
    return org, connection_id


def new_deals(store, org, n, prefix):
    ids = []
    with store.lock:
        for i in range(n):
            contact = store.add(org, "Contact", Name=f"Buyer {prefix}{i}", Email=f"buyer-{prefix}{i}@bench.example.com")
            deal = store.add(org, "Opportunity", Name=f"Deal {prefix}{i}", Amount=Decimal("100.00"))
            store.add(org, "OpportunityContactRole", OpportunityId=deal["Id"], ContactId=contact["Id"], IsPrimary=True)
            ids.append(deal["Id"])
    return ids


def set_stage(store, org, deal_id, stage):
    with store.lock:
        store.set_stage(org, org.objects["Opportunity"][deal_id], stage)


def poll_and_drain(app, connection_id):
    from light.extensions import db
    from light.plumbing.jobs import lease
    from light.salesforce import polling

    with app.app_context():
        try:
            lease.recover()  # as the clock does each tick: a job whose worker died is queued again
            polling.poll(connection_id)
        finally:
            db.session.remove()
        drain(app.extensions["light_jobs"].queue)
        db.session.remove()


def drain(queue):
    """Run what the poll queued (deliveries), as a worker would; from any thread (RQ's own workers
    install signal handlers, which only the main thread may)."""
    from rq.job import Job

    from light.extensions import db
    from light.plumbing.jobs.runner import run

    while (rq_id := queue.connection.lpop(queue.key)) is not None:
        job = Job.fetch(rq_id.decode(), connection=queue.connection)
        try:
            run(*job.args)
        finally:
            db.session.remove()


def two_at_once(app, connection_id):
    threads = [threading.Thread(target=poll_and_drain, args=(app, connection_id)) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def killed_mid_poll(app, connection_id):
    """A worker SIGKILLed 0.3 s into a poll: whatever it committed stays, the rest it never did."""
    from light.extensions import db

    def child():
        with app.app_context():
            db.engine.dispose(close=False)  # the parent's connections are not the child's
            from light.salesforce import polling
            polling.poll(connection_id)

    process = multiprocessing.get_context("fork").Process(target=child)
    process.start()
    time.sleep(0.3)
    if process.is_alive():
        os.kill(process.pid, signal.SIGKILL)
    process.join()
    return process.exitcode


def soak(app, store, org, connection_id, n, seed):
    rng = random.Random(seed)
    deals = new_deals(store, org, n, "s")
    kills = 0
    for round_number in range(8):
        for deal_id in rng.sample(deals, n // 3):
            set_stage(store, org, deal_id, rng.choice(["Closed Won", "Closed Won", "Closed Lost", "Prospecting"]))
        if round_number == 3:
            kills += killed_mid_poll(app, connection_id) == -signal.SIGKILL
        two_at_once(app, connection_id)
        poll_and_drain(app, connection_id)  # every poll duplicated
    for deal_id in rng.sample(deals, n // 4):  # some end won after a loss: won -> lost -> won
        set_stage(store, org, deal_id, "Closed Won")
    time.sleep(0.01)
    poll_and_drain(app, connection_id)
    poll_and_drain(app, connection_id)
    return deals, kills


def count(app, store, org, deals):
    from sqlalchemy import func

    from light.extensions import db
    from light.plumbing.mail.models import OutboxMessage
    from light.salesforce.models import SalesforceDeal

    with app.app_context():
        invoices = dict(db.session.query(SalesforceDeal.opportunity_id, func.count(SalesforceDeal.invoice_id))
                        .group_by(SalesforceDeal.opportunity_id).all())
        mails = dict(db.session.query(OutboxMessage.to, func.count()).filter(OutboxMessage.kind == "invoice")
                     .group_by(OutboxMessage.to).all())
        db.session.remove()
    won = [d for d in deals if org.objects["Opportunity"][d]["IsWon"]]
    emails = {d: org.objects["Contact"][next(r["ContactId"] for r in org.objects["OpportunityContactRole"].values()
                                              if r["OpportunityId"] == d)]["Email"] for d in deals}
    duplicates = sum(max(0, invoices.get(d, 0) - 1) + max(0, mails.get(emails[d], 0) - 1) for d in deals)
    misses = sum(1 for d in won if invoices.get(d, 0) != 1 or mails.get(emails[d], 0) != 1)
    return len(won), duplicates, misses


def api_costs(app, store, org, connection_id):
    time.sleep(2.5)  # past the overlap
    poll_and_drain(app, connection_id)
    before = org.api_calls
    poll_and_drain(app, connection_id)
    idle = org.api_calls - before
    deals = new_deals(store, org, 20, "c")
    for deal_id in deals:
        set_stage(store, org, deal_id, "Closed Won")
    before_writes = sum(1 for o in org.objects["Opportunity"].values() if o.get("Light_Payment_Status__c"))
    before = org.api_calls
    poll_and_drain(app, connection_id)
    calls = org.api_calls - before
    writes = sum(1 for o in org.objects["Opportunity"].values() if o.get("Light_Payment_Status__c")) - before_writes
    return idle, (calls - writes) / len(deals), writes / len(deals)


def latency(app, store, org, connection_id, poll_seconds, samples):
    """A clock thread polls every poll_seconds; deals are won at random moments; the time to each one's
    pay-link e-mail (the Outbox row) is measured."""
    from light.extensions import db
    from light.plumbing.mail.models import OutboxMessage

    stop = threading.Event()

    def clock():
        while not stop.is_set():
            poll_and_drain(app, connection_id)
            stop.wait(poll_seconds)

    deals = new_deals(store, org, samples, "l")
    thread = threading.Thread(target=clock, daemon=True)
    thread.start()
    won_at, rng = {}, random.Random(7)
    for i, deal_id in enumerate(deals):
        time.sleep(rng.uniform(0, poll_seconds * 2 / samples * 3))
        set_stage(store, org, deal_id, "Closed Won")
        won_at[f"buyer-l{i}@bench.example.com"] = time.time()
    deadline = time.time() + poll_seconds + 90
    delays = {}
    with app.app_context():
        while time.time() < deadline and len(delays) < samples:
            for to, created in db.session.query(OutboxMessage.to, OutboxMessage.created_at).filter(
                    OutboxMessage.kind == "invoice", OutboxMessage.to.in_(list(won_at))):
                delays.setdefault(to, created.replace(tzinfo=UTC).timestamp() - won_at[to])
            db.session.remove()
            time.sleep(0.5)
    stop.set()
    thread.join(poll_seconds + 30)
    return sorted(delays.values()), samples - len(delays)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--poll-seconds", type=int, default=5)
    parser.add_argument("--samples", type=int, default=20)
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args(argv)
    app, store, sf_url = build(args.poll_seconds)
    org, connection_id = set_up(app, store, sf_url)
    started = time.perf_counter()
    deals, kills = soak(app, store, org, connection_id, args.n, args.seed)
    won, duplicates, misses = count(app, store, org, deals)
    print(f"soak: {args.n} opportunities, 8 rounds of random stage flips, every poll duplicated, two workers at "
          f"once, {kills} worker killed mid-poll: {won} won at the end; duplicates {duplicates}, misses {misses} "
          f"({time.perf_counter() - started:.0f}s)")
    idle, per_deal, writes = api_costs(app, store, org, connection_id)
    print(f"API calls: {idle} per idle poll (goal 1); {per_deal:.2f} per invoiced deal (goal <= 2) "
          f"plus {writes:.2f} write-back per deal (its Sent status)")
    delays, lost = latency(app, store, org, connection_id, args.poll_seconds, args.samples)
    p95 = statistics.quantiles(delays, n=20, method="inclusive")[-1] if len(delays) >= 2 else float("nan")
    print(f"stage change -> pay-link e-mail: p95 {p95:.1f}s, max {max(delays, default=float('nan')):.1f}s over "
          f"{len(delays)} deals ({lost} not e-mailed), polling every {args.poll_seconds}s "
          f"(goal <= {args.poll_seconds + 60}s)")
    return 0 if duplicates == misses == lost == 0 and idle == 1 else 1


if __name__ == "__main__":
    sys.exit(main())
