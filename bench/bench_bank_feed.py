"""Bank feed benchmark: `python bench/bench_bank_feed.py [--n 100000]`.

Prints, in one run:
- Light's backfill of N balance transactions from the sandbox, next to a bare stripe-python
  page-through of the same data (the floor; target <= 1.25x);
- peak traced memory of a backfill at 10,000 and at N transactions (flat: page-by-page);
- queries per page of the reconciliation view (test client + SQLAlchemy event listener) and its p95
  latency at N rows under gunicorn (subprocess, free port, temp SQLite DB).
"""
import argparse
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc

import requests
import stripe  # the floor measurement only: Light itself goes through light.plumbing.stripe_gateway
from sqlalchemy import event

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from light import create_app  # noqa: E402
from light.plumbing.crypto import derive_key  # noqa: E402

PASSWORD = "correct horse battery staple"


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def control(url, path, **body):
    response = requests.post(f"{url}/_sandbox/{path}", json=body, timeout=600)
    response.raise_for_status()
    return response.json()


def connected_account(url, key, n, seed):
    token = control(url, "accounts", api_key=key, business_name=f"Bench {n}", demo=False, **{"return": "token"})
    control(url, "seed", account=token["stripe_user_id"], balance_transactions=n, months=12,
            currencies=["usd"], seed=seed, customers=50)
    return token


def floor_seconds(url, key, account):
    client = stripe.StripeClient(key, stripe_account=account, base_addresses={"api": url}, max_network_retries=0)
    params, count, started = {"limit": 100}, 0, time.perf_counter()
    while True:
        page = client.v1.balance_transactions.list(params=dict(params))
        count += len(page.data)
        if not page.has_more:
            break
        params["starting_after"] = page.data[-1].id
    return time.perf_counter() - started, count


def light_app(database, url, key):
    return create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}", "SECRET_KEY": "bench",
                       "LIGHT_ENCRYPTION_KEY": derive_key("bench"), "STRIPE_API_BASE": url,
                       "STRIPE_CONNECT_BASE": url, "STRIPE_SECRET_KEY": key, "STRIPE_CLIENT_ID": "ca_benchbench",
                       "LIGHT_ENV": "bench", "WTF_CSRF_ENABLED": True,
                       # Measure the view alone: no clock thread syncing in the background.
                       "EMBEDDED_CLOCK": False})


def store(app, organization_id, token):
    from light.banking import services
    from light.plumbing.stripe_gateway import ConnectToken

    return services.store_connection(organization_id, ConnectToken(
        token["stripe_user_id"], token["access_token"], token["refresh_token"], token["scope"], False)).id


def backfill(connection_id, traced=False):
    from light.banking import sync

    if traced:
        tracemalloc.start()
    started = time.perf_counter()
    run = sync.sync_connection(connection_id, "bench", reconcile_payouts=False)
    seconds = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1] if traced else None
    if traced:
        tracemalloc.stop()
    assert run.error is None, run.error
    return seconds, run.created_count, peak


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    n, small = args.n, min(10_000, args.n)

    # The sandbox runs in its own process, as Stripe would: it must not share Light's GIL.
    sandbox_port = free_port()
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    sandbox = subprocess.Popen([sys.executable, "-m", "stripe_sandbox", "--port", str(sandbox_port)], cwd=root,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{sandbox_port}"
    wait_for(url + "/")
    key = "sk_test_bench" + os.urandom(6).hex()
    t0 = time.perf_counter()
    big, little, traced = (connected_account(url, key, n, 1), connected_account(url, key, small, 2),
                           connected_account(url, key, n, 3))
    print(f"seeded the sandbox in {time.perf_counter() - t0:.1f}s")

    workdir = tempfile.mkdtemp(prefix="light-bench-")
    database = os.path.join(workdir, "light.sqlite3")
    app = light_app(database, url, key)
    from light.auth import services as auth_services
    from light.extensions import db

    with app.app_context():
        db.create_all()
        user = auth_services.sign_up(organization_name="Bench Ltd", name="Bench", email="bench@example.com",
                                     password=PASSWORD)
        ids = [store(app, user.organization_id, t) for t in (big, little, traced)]

        floor, counted = floor_seconds(url, key, big["stripe_user_id"])
        seconds, created, _ = backfill(ids[0])
        assert created == counted == n, (created, counted)
        ratio = seconds / floor
        print(f"backfill of {n:,} balance transactions: Light {seconds:.2f}s, bare stripe-python page-through "
              f"{floor:.2f}s -> {ratio:.2f}x (target <= 1.25x) {'OK' if ratio <= 1.25 else 'OVER'}")
        from light.banking import payouts, sync
        from light.banking.models import BankAccount, StripeConnection

        started = time.perf_counter()
        connection = db.session.get(StripeConnection, ids[0])
        run = sync.SyncRun(fetched_count=0, created_count=0, updated_count=0)
        payouts.reconcile(sync.Feed(connection, sync.gateway_for(connection), run), force=True)
        print(f"  payout breakdowns after it (separate phase): {time.perf_counter() - started:.2f}s")

        _, _, peak_small = backfill(ids[1], traced=True)
        _, _, peak_big = backfill(ids[2], traced=True)
        print(f"peak traced memory of a backfill: {peak_small / 1e6:.1f} MB at {small:,}, "
              f"{peak_big / 1e6:.1f} MB at {n:,} ({peak_big / peak_small:.2f}x)")
        account_id = BankAccount.query.filter_by(connection_id=ids[0]).one().id

    queries_per_page(app, account_id)
    latency(database, account_id, args.requests)
    sandbox.terminate()
    sandbox.wait(10)


def wait_for(url):
    deadline = time.monotonic() + 30
    while True:
        try:
            requests.get(url, timeout=1)
            return
        except requests.RequestException:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def login(session, base):
    page = session.get(f"{base}/login").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = session.post(f"{base}/login", data={"email": "bench@example.com", "password": PASSWORD,
                                                   "csrf_token": token}, allow_redirects=False)
    assert response.status_code in (302, 303), response.status_code


def queries_per_page(app, account_id):
    from light.extensions import db

    client = app.test_client()
    with app.app_context():
        page = client.get("/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        client.post("/login", data={"email": "bench@example.com", "password": PASSWORD, "csrf_token": token})
        counts, statements = [], []
        listener = lambda *a: statements.append(a[2])  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        url = f"/bank-reconciliation/accounts/{account_id}"
        for i in range(5):
            statements.clear()
            html = client.get(url, headers={"HX-Request": "true", "HX-Target": "x"} if i else {}).get_data(as_text=True)
            counts.append(len(statements))
            url = re.findall(r'hx-get="([^"]*after=[^"]*)"', html)[-1].replace("&amp;", "&")
        event.remove(db.engine, "before_cursor_execute", listener)
    print(f"queries per page of the reconciliation view: first page {counts[0]} (with chart), "
          f"next pages {counts[1:]}")


def latency(database, account_id, requests_count):
    port = free_port()
    env = dict(os.environ, DATABASE_URL=f"sqlite:///{database}", SECRET_KEY="bench",
               LIGHT_ENCRYPTION_KEY=derive_key("bench"), LIGHT_ENV="bench", LIGHT_EMBEDDED_CLOCK="0")
    process = subprocess.Popen([sys.executable, "-m", "gunicorn", "-w", "2", "-b", f"127.0.0.1:{port}",
                                "light:create_app()"], env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL,
                               cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(f"{base}/healthz")
        session = requests.Session()
        login(session, base)
        first, later = [], []
        url = f"{base}/bank-reconciliation/accounts/{account_id}"
        cursor_url = None
        for i in range(requests_count):
            started = time.perf_counter()
            if i % 2 == 0:
                html = session.get(url).text
                first.append(time.perf_counter() - started)
                cursor_url = cursor_url or re.findall(r'hx-get="([^"]*after=[^"]*)"', html)[-1].replace("&amp;", "&")
            else:
                session.get(base + cursor_url, headers={"HX-Request": "true", "HX-Target": "x"})
                later.append(time.perf_counter() - started)

        def p95(values):
            return statistics.quantiles(values, n=20)[-1] * 1000

        print(f"reconciliation view under gunicorn (2 workers) at this size: p95 {p95(first):.0f} ms full page "
              f"(with chart), p95 {p95(later):.0f} ms next-page fragment, {requests_count} requests")
    finally:
        process.terminate()
        process.wait(10)


if __name__ == "__main__":
    main()
