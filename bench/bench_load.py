"""Load benchmark: `python bench/bench_load.py [--n 100000] [--database-url postgresql://…]`.

Prints, in one run, against gunicorn (2 workers, as the Procfile runs it), a real `rq worker` (the
Procfile's command), Redis and the Stripe sandbox, all on loopback:
- throughput and p50/p95/p99 of the reconciliation view at N rows with 50 concurrent connections;
- the same for the Connect webhook endpoint (signed events, one in ten delivered twice);
- the worker's drain rate (events processed per second, one worker, started once they are in);
- lost and duplicated events, and how many syncs the burst caused.
Every loop is bounded (a request count, a deadline). Needs Redis (`--redis-url`, default db 3).
"""
import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import requests
from sqlalchemy import create_engine, text

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.join(ROOT, "bench"))

from bench_bank_feed import PASSWORD, connected_account, free_port, login, wait_for  # noqa: E402

from light import create_app  # noqa: E402
from light.plumbing.crypto import derive_key  # noqa: E402
from stripe_sandbox.events import sign  # noqa: E402

SECRET = "whsec_benchload0001"
TYPES = ("balance.available", "charge.succeeded", "payout.paid", "charge.refunded", "charge.updated")


def database(url: str | None):
    """A fresh database: a temp SQLite file, or a new database on the PostgreSQL server of `url`."""
    if not url:
        return f"sqlite:///{tempfile.mkdtemp(prefix='light-load-')}/light.sqlite3", lambda: None
    from light.config import _database_url

    server = _database_url(url, "")
    name = f"light_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop():
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return server.rsplit("/", 1)[0] + "/" + name, drop


def environment(db_url, sandbox_url, key, redis_url, queue):
    return dict(os.environ, DATABASE_URL=db_url, SECRET_KEY="bench", LIGHT_ENCRYPTION_KEY=derive_key("bench"),
                LIGHT_ENV="bench", LIGHT_EMBEDDED_CLOCK="0", REDIS_URL=redis_url, RQ_QUEUE=queue,
                STRIPE_API_BASE=sandbox_url, STRIPE_CONNECT_BASE=sandbox_url, STRIPE_SECRET_KEY=key,
                STRIPE_CLIENT_ID="ca_benchbench", STRIPE_CONNECT_WEBHOOK_SECRET=SECRET, PYTHONPATH=ROOT,
                PATH=os.path.dirname(os.path.abspath(sys.executable)) + os.pathsep + os.environ.get("PATH", ""))


def prepare(env, n, sandbox_url, key):
    """Seed the sandbox, sign up, connect and backfill: N rows in the reconciliation view."""
    from light.auth import services as auth_services
    from light.banking import services, sync
    from light.banking.models import BankAccount
    from light.extensions import db
    from light.plumbing.stripe_gateway import ConnectToken

    token = connected_account(sandbox_url, key, n, 1)
    app = create_app({"SQLALCHEMY_DATABASE_URI": env["DATABASE_URL"], "SECRET_KEY": "bench",
                      "LIGHT_ENCRYPTION_KEY": env["LIGHT_ENCRYPTION_KEY"], "STRIPE_API_BASE": sandbox_url,
                      "STRIPE_CONNECT_BASE": sandbox_url, "STRIPE_SECRET_KEY": key, "LIGHT_ENV": "bench",
                      "EMBEDDED_CLOCK": False, "REDIS_URL": None})
    with app.app_context():
        db.create_all()
        user = auth_services.sign_up(organization_name="Load Ltd", name="Load", email="bench@example.com",
                                     password=PASSWORD)
        connection = services.store_connection(user.organization_id, ConnectToken(
            token["stripe_user_id"], token["access_token"], token["refresh_token"], token["scope"], False))
        started = time.perf_counter()
        run = sync.sync_connection(connection.id, "bench", reconcile_payouts=False)
        assert run.error is None and run.created_count == n, (run.error, run.created_count)
        print(f"backfilled {n:,} transactions in {time.perf_counter() - started:.1f}s")
        account_id = BankAccount.query.filter_by(connection_id=connection.id).one().id
        db.session.remove()
    return app, token["stripe_user_id"], account_id


def timed(session, method, url, **kwargs):
    started = time.perf_counter()
    try:
        response = session.request(method, url, timeout=60, **kwargs)
        return time.perf_counter() - started, response.status_code, response.text
    except requests.RequestException as exc:
        return time.perf_counter() - started, 0, str(exc)


def hammer(jobs, concurrency, sessions):
    """Run `jobs` (callables taking a session) on `concurrency` threads; (latencies, results, seconds)."""
    local = threading.local()
    pool = iter(sessions)
    lock = threading.Lock()

    def run(job):
        if not hasattr(local, "session"):
            with lock:
                local.session = next(pool)
        return job(local.session)

    started = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as executor:
        results = list(executor.map(run, jobs))
    return results, time.perf_counter() - started


def report(label, results, seconds):
    latencies = sorted(r[0] * 1000 for r in results)
    errors = sum(1 for r in results if r[1] >= 400 or r[1] == 0)
    q = statistics.quantiles(latencies, n=100)
    print(f"{label}: {len(results) / seconds:.0f} req/s, p50 {q[49]:.0f} ms, p95 {q[94]:.0f} ms, "
          f"p99 {q[98]:.0f} ms, {errors} errors, {len(results)} requests")


def view_load(base, account_id, total, concurrency):
    leader = requests.Session()
    login(leader, base)
    sessions = []
    for _ in range(concurrency):
        session = requests.Session()
        session.cookies.update(leader.cookies)
        sessions.append(session)
    url = f"{base}/bank-reconciliation/accounts/{account_id}"
    timed(leader, "GET", url)  # warm
    one = sorted(timed(leader, "GET", url)[0] * 1000 for _ in range(20))
    print(f"reconciliation view, one connection: median {one[10]:.0f} ms, best {one[0]:.0f} ms (20 requests)")
    results, seconds = hammer([lambda s: timed(s, "GET", url)] * total, concurrency, sessions)
    report(f"reconciliation view, {concurrency} connections", results, seconds)


def event_body(index, account):
    return json.dumps({"id": f"evt_load{index:06d}", "object": "event", "type": TYPES[index % len(TYPES)],
                       "account": account, "livemode": False, "created": int(time.time()),
                       "data": {"object": {"id": f"po_load{index % 11}", "object": "payout"}}}).encode()


def webhook_load(base, account, events, concurrency):
    """Post `events` signed events (one in ten twice); returns what each id was answered."""
    order = list(range(events)) + random.Random(1).sample(range(events), events // 10)
    random.Random(2).shuffle(order)

    def post(index):
        def job(session):
            body = event_body(index, account)
            signature = sign(body, SECRET, int(time.time()))
            result = timed(session, "POST", f"{base}/webhooks/stripe/connect", data=body,
                           headers={"Stripe-Signature": signature, "Content-Type": "application/json"})
            return (*result, index)
        return job

    results, seconds = hammer([post(i) for i in order], concurrency, [requests.Session() for _ in range(concurrency)])
    report(f"Connect webhook endpoint, {concurrency} connections", results, seconds)
    answers = {}
    for _, status, body, index in results:
        message = json.loads(body).get("message") if status == 200 else f"HTTP {status}"
        answers.setdefault(index, []).append(message)
    return answers


def drain(env, engine, expected, timeout=300):
    """Start one worker (the Procfile's command) and time it until every event is processed."""
    with open(os.path.join(ROOT, "Procfile")) as procfile:
        command = next(line.split(":", 1)[1].strip() for line in procfile if line.startswith("worker:"))
    worker = subprocess.Popen(["bash", "-c", f"exec {command} --quiet"], env=env, cwd=ROOT,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    started, processed = time.perf_counter(), 0
    try:
        while time.perf_counter() - started < timeout:
            with engine.connect() as conn:
                processed = conn.execute(text(
                    "SELECT count(*) FROM stripe_events WHERE processed_at IS NOT NULL")).scalar()
            if processed >= expected:  # the syncs they asked for may still run: not timed here
                break
            time.sleep(0.2)
        return processed, time.perf_counter() - started
    finally:
        worker.terminate()  # a warm shutdown waits for the job in hand (a first sync's payouts, say)
        try:
            worker.wait(10)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait(10)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=100_000, help="rows in the reconciliation view")
    parser.add_argument("--requests", type=int, default=1000, help="view requests")
    parser.add_argument("--events", type=int, default=2000, help="distinct webhook events")
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--database-url", help="a PostgreSQL server to create a fresh database on (default: SQLite)")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/3")
    args = parser.parse_args()

    sandbox_port = free_port()
    sandbox = subprocess.Popen([sys.executable, "-m", "stripe_sandbox", "--port", str(sandbox_port)], cwd=ROOT,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    sandbox_url = f"http://127.0.0.1:{sandbox_port}"
    db_url, drop = database(args.database_url)
    gunicorn = None
    try:
        wait_for(sandbox_url + "/")
        key = "sk_test_load" + os.urandom(6).hex()
        env = environment(db_url, sandbox_url, key, args.redis_url, f"light-bench-{uuid.uuid4().hex[:8]}")
        app, account, account_id = prepare(env, args.n, sandbox_url, key)
        port = free_port()
        gunicorn = subprocess.Popen([sys.executable, "-m", "gunicorn", "--workers", "2", "--threads", "4", "-b",
                                     f"127.0.0.1:{port}", "app:app"], env=env, cwd=ROOT,
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        base = f"http://127.0.0.1:{port}"
        wait_for(f"{base}/healthz")
        print(f"database: {db_url.split(':', 1)[0]}, gunicorn 2 workers x 4 threads, Redis {args.redis_url}")
        # The machine may be shared: the figures mean little without how busy it was.
        print("load average (1, 5, 15 min): {:.2f} {:.2f} {:.2f}, {} cores".format(*os.getloadavg(), os.cpu_count()))
        view_load(base, account_id, args.requests, args.concurrency)
        answers = webhook_load(base, account, args.events, args.concurrency)
        engine = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
        processed, seconds = drain(env, engine, args.events)
        with engine.connect() as conn:
            recorded = conn.execute(text("SELECT count(*) FROM stripe_events")).scalar()
            syncs = conn.execute(text("SELECT count(*) FROM bank_sync_runs WHERE \"trigger\" = 'webhook'")).scalar()
        engine.dispose()
        twice = sum(1 for replies in answers.values() if replies.count("recorded") > 1)
        print(f"worker drain: {processed:,} events in {seconds:.1f}s = {processed / seconds:.0f} events/s "
              f"(one worker, its start included), {syncs} syncs caused")
        print("load average (1, 5, 15 min): {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
        print(f"events: {args.events:,} sent ({len(answers) and sum(map(len, answers.values())):,} deliveries), "
              f"{recorded:,} recorded, lost {args.events - min(recorded, processed):,}, "
              f"duplicated {twice + max(0, recorded - args.events):,}")
    finally:
        if gunicorn:
            gunicorn.terminate()
            gunicorn.wait(30)
        sandbox.terminate()
        sandbox.wait(30)
        drop()


if __name__ == "__main__":
    main()
