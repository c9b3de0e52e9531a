"""The reconciliation view in process: `python bench/bench_view.py [--n 100000] [--requests 200]
[--database-url postgresql://…] [--redis-url redis://…] [--profile]`.

Seeds one Stripe bank account with N lines (bulk inserts, no sandbox: matched lines linked to
invoices or booked, suggested and unmatched ones with the engine's reasons, some excluded, payouts
with their breakdown) into a temp SQLite file, or a fresh database made on the PostgreSQL server of
`--database-url` (dropped afterwards). Then, through the Flask test client (logged in, CSRF on, as
in production), times the full page and the next-page fragment ("Show more"), warm: median and p95
in ms, and SQL statements per request. Redis is fakeredis unless `--redis-url` is given, so the
view's counts and chart are kept between requests (light/banking/view_cache.py) as they are in
production. `--profile` prints cProfile's top 15 by cumulative time for each.
"""
import argparse
import cProfile
import os
import pstats
import random
import re
import statistics
import sys
import time
from datetime import date, datetime, timedelta

from sqlalchemy import event

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.join(ROOT, "bench"))

from bench_bank_feed import PASSWORD  # noqa: E402
from bench_load import database  # noqa: E402

from light import create_app  # noqa: E402
from light.plumbing.crypto import derive_key  # noqa: E402

BATCH = 5000
NOW = datetime(2026, 11, 30, 12, 0)


def seed(app, n: int) -> int:
    """One organization, one Stripe (USD) account with `n` lines; returns the account's id."""
    from light.auth import services as auth
    from light.banking.models import BankAccount, BankPayout, BankTransaction, StripeConnection
    from light.customers.models import Customer
    from light.extensions import db
    from light.invoices.models import Invoice
    from light.reconciliation.models import LineDecision, ReconciliationLink

    rng = random.Random(14)
    with app.app_context():
        db.create_all()
        org = auth.sign_up(organization_name="View Ltd", name="View", email="bench@example.com",
                           password=PASSWORD).organization_id
        connection = StripeConnection(organization_id=org, stripe_user_id="acct_benchview01", status="active",
                                      display_name="Bench View", last_synced_at=NOW)
        person = Customer(organization_id=org, name="Acme", email="ap@acme.example", currency="USD")
        db.session.add_all([connection, person])
        db.session.flush()
        account = BankAccount(organization_id=org, connection_id=connection.id, name="Stripe (USD)",
                              currency="USD", available=1_234_567, pending=89_000)
        db.session.add(account)
        db.session.flush()
        invoices = [dict(organization_id=org, customer_id=person.id, number=f"INV-{i + 1:05d}", status="paid",
                         currency="USD", issue_date=date(2026, 1, 1), due_date=date(2026, 1, 31), total=10_000,
                         subtotal=10_000, tax_total=0, amount_paid=10_000, amount_refunded=0, pay_token=f"tok{i}",
                         payment_method="stripe", checkout_count=0, charge_attempts=0, created_at=NOW)
                    for i in range(2000)]
        db.session.execute(Invoice.__table__.insert(), invoices)
        invoice_ids = [i for (i,) in db.session.query(Invoice.id).filter_by(organization_id=org)]
        payouts = [dict(organization_id=org, bank_account_id=account.id, stripe_id=f"po_bench{i:06d}",
                        amount=50_000, currency="USD", status="paid", automatic=True,
                        breakdown_fetched_at=NOW if i % 3 else None) for i in range(n // 40 + 1)]
        db.session.execute(BankPayout.__table__.insert(), payouts)
        # Oldest first, as a backfill stores them; a line every ~5 minutes back from NOW.
        lines = []
        for i in range(n):
            roll = i % 20
            category = "payout" if roll == 0 else "fee" if roll in (1, 2) else "refund" if roll == 3 else "charge"
            amount = -50_000 if category == "payout" else -rng.randint(30, 900) if category == "fee" else (
                -rng.randint(100, 5000) if category == "refund" else rng.randint(500, 200_000))
            fee = -round(amount * 0.029) if category == "charge" else 0
            state = ("matched" if roll < 12 else "suggested" if roll < 15 else "excluded" if roll == 15
                     else "unmatched")
            lines.append(dict(organization_id=org, bank_account_id=account.id, stripe_id=f"txn_bench{i:07d}",
                              amount=amount, fee=fee, net=amount + fee, currency="USD",
                              status="pending" if i > n - 200 else "available", type=category, category=category,
                              created=NOW - timedelta(minutes=5 * (n - i)), description=f"Payment for order {i}",
                              source_id=f"po_bench{i // 20:06d}" if category == "payout" else f"ch_bench{i:07d}",
                              payout_id=None if category == "payout" else f"po_bench{i // 20 + 1:06d}",
                              match_state=state))
        for start in range(0, n, BATCH):
            db.session.execute(BankTransaction.__table__.insert(), lines[start:start + BATCH])
        rows = db.session.query(BankTransaction.id, BankTransaction.match_state, BankTransaction.category,
                                BankTransaction.amount).filter_by(bank_account_id=account.id).all()
        decisions, links = [], []
        for ident, state, category, amount in rows:
            if state == "matched":
                to_invoice = category == "charge"
                links.append(dict(organization_id=org, bank_transaction_id=ident, amount=amount,
                                  invoice_id=rng.choice(invoice_ids) if to_invoice else None,
                                  category="invoice" if to_invoice else "transfer" if category == "payout"
                                  else category, effect="payment" if to_invoice else "booking",
                                  recorded_payment=False, tier="T1" if to_invoice else "T0", created_at=NOW))
                decisions.append(dict(organization_id=org, bank_transaction_id=ident, tier="T1", by_person=False,
                                      reasons=["The payment intent is the invoice's"], suggestion=None,
                                      decided_at=NOW))
            elif state in ("suggested", "unmatched"):
                suggestion = ([{"amount": amount, "invoice_id": rng.choice(invoice_ids), "category": "invoice",
                                "effect": "payment", "invoice_amount": None}] if state == "suggested" else None)
                decisions.append(dict(organization_id=org, bank_transaction_id=ident, tier="T3" if suggestion else None,
                                      reasons=["Exact amount of one open invoice", "Same customer"] if suggestion
                                      else ["No open invoice in USD fits this amount"], suggestion=suggestion,
                                      by_person=False, decided_at=NOW))
        for start in range(0, len(decisions), BATCH):
            db.session.execute(LineDecision.__table__.insert(), decisions[start:start + BATCH])
        for start in range(0, len(links), BATCH):
            db.session.execute(ReconciliationLink.__table__.insert(), links[start:start + BATCH])
        db.session.commit()
        if db.engine.dialect.name == "postgresql":  # statistics, as autovacuum would have them by now
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql("ANALYZE")
        account_id = account.id
        db.session.remove()
    return account_id


def logged_in(app):
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = client.post("/login", data={"email": "bench@example.com", "password": PASSWORD, "csrf_token": token})
    assert response.status_code in (302, 303), response.status_code
    return client


def measure(app, client, label, url, headers, requests, profile):
    from light.extensions import db

    statements = []

    def count(*_):
        statements.append(1)

    with app.app_context():
        engine = db.engine
    for _ in range(5):  # warm: templates compiled, the view's counts and chart kept
        response = client.get(url, headers=headers)
        assert response.status_code == 200, response.status_code
    event.listen(engine, "before_cursor_execute", count)
    try:
        times = []
        for _ in range(requests):
            started = time.perf_counter()
            response = client.get(url, headers=headers)
            times.append((time.perf_counter() - started) * 1000)
        per_request = len(statements) / requests
    finally:
        event.remove(engine, "before_cursor_execute", count)
    body = response.get_data(as_text=True)
    p95 = statistics.quantiles(times, n=20)[-1]
    print(f"{label}: median {statistics.median(times):.1f} ms, p95 {p95:.1f} ms, best {min(times):.1f} ms, "
          f"{per_request:.0f} SQL statements, {len(body) / 1024:.0f} KiB, {body.count('<tr')} rows "
          f"({requests} requests)")
    if profile:
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(min(requests, 50)):
            client.get(url, headers=headers)
        profiler.disable()
        pstats.Stats(profiler).sort_stats(os.environ.get("BENCH_SORT", "cumulative")).print_stats(15)
    return body


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--database-url", help="a PostgreSQL server: a fresh database is made on it and dropped")
    parser.add_argument("--redis-url", help="real Redis for the view's kept counts (default: fakeredis)")
    parser.add_argument("--profile", action="store_true", help="cProfile's top 15 by cumulative time")
    args = parser.parse_args()

    url, drop = database(args.database_url)
    if args.redis_url:
        from redis import Redis

        redis = Redis.from_url(args.redis_url)
    else:
        import fakeredis

        redis = fakeredis.FakeRedis()
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench",
                      "LIGHT_ENCRYPTION_KEY": derive_key("bench"), "WTF_CSRF_ENABLED": True, "EMBEDDED_CLOCK": False,
                      "REDIS_CONNECTION": redis, "REDIS_URL": None})
    try:
        started = time.perf_counter()
        account_id = seed(app, args.n)
        print(f"seeded {args.n:,} lines in {time.perf_counter() - started:.1f}s ({url.split('://')[0]}, "
              f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)")
        client = logged_in(app)
        page_url = f"/bank-reconciliation/accounts/{account_id}"
        html = measure(app, client, "full page", page_url, {}, args.requests, args.profile)
        more = re.findall(r'hx-get="([^"]*after=[^"]*)"', html)[-1].replace("&amp;", "&")
        measure(app, client, "next-page fragment", more, {"HX-Request": "true", "HX-Target": "x"}, args.requests,
                args.profile)
    finally:
        with app.app_context():
            from light.extensions import db

            db.session.remove()
            db.engine.dispose()
        drop()


if __name__ == "__main__":
    main()
