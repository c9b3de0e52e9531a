"""The Sales Invoices list at size: `python bench/bench_lists.py [--n 100000] [--requests 30]`.

Seeds N invoices (and 2,000 customers) for one organization, plus a tenth as many for another one
that must never slow it down, into a fresh SQLite file, and, when TEST_DATABASE_URL is set, into a
fresh PostgreSQL database made beside it (created and dropped here). Then prints p50/p95 of the
whole list page (route, queries, template: the Flask test client, logged in) for a few searches and
sorts, the queries each costs, and the time to stream the full CSV export.
"""
import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import date, datetime, timedelta

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import make_url

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from light import create_app  # noqa: E402
from light.plumbing.crypto import derive_key  # noqa: E402

PASSWORD = "correct horse battery staple"
STATUSES = ["paid"] * 6 + ["issued", "issued", "overdue", "partially_paid", "draft", "void", "action_required",
                           "payment_failed"]
CURRENCIES = ["USD"] * 7 + ["EUR", "EUR", "GBP", "JPY", "KWD"]
WORDS = "Acme Globex Initech Umbrella Hooli Stark Wayne Wonka Tyrell Cyberdyne Soylent Vandelay Pied Piper".split()
SEARCHES = [
    ("newest first (default)", "/invoices/"),
    ("status=paid", "/invoices/?status=paid"),
    ("sort=customer", "/invoices/?sort=customer"),
    ("sort=-total", "/invoices/?sort=-total"),
    ("sort=number", "/invoices/?sort=number"),
    ("sort=due_date, issued in March", "/invoices/?issued_from=2026-03-01&issued_to=2026-03-31&sort=due_date"),
    ("q=INV-0099 (number)", "/invoices/?q=INV-0099"),
    ("q=wonka (customer)", "/invoices/?q=wonka"),
    ("q=wonka&status=overdue", "/invoices/?q=wonka&status=overdue"),
    ("q=1234.56 (amount)", "/invoices/?q=1234.56"),
    ("min=5000&sort=-total", "/invoices/?min=5000&sort=-total"),
    ("page=50", "/invoices/?page=50"),
    ("htmx fragment, q=acme", "/invoices/?q=acme"),
    ("customers, q=wayne", "/customers/?q=wayne"),
]


def seed(app, n: int, others: int):
    from light.auth import services as accounts
    from light.customers.models import Customer
    from light.extensions import db
    from light.invoices.models import Invoice

    with app.app_context():
        db.create_all()
        owner = accounts.sign_up(organization_name="Bench Ltd", name="Bench", email="bench@example.com",
                                 password=PASSWORD)
        other = accounts.sign_up(organization_name="Other Ltd", name="Other", email="other@example.com",
                                 password=PASSWORD)
        rng = random.Random(13)
        for organization_id, count in ((owner.organization_id, n), (other.organization_id, others)):
            customers = [dict(organization_id=organization_id, name=f"{rng.choice(WORDS)} {rng.choice(WORDS)} {i}",
                              email=f"ap{i}@{rng.choice(WORDS).lower()}.example", currency=rng.choice(CURRENCIES),
                              address="", created_at=datetime(2025, 1, 1)) for i in range(2000)]
            db.session.execute(Customer.__table__.insert(), customers)
            ids = [c.id for c in Customer.query.filter_by(organization_id=organization_id).order_by(Customer.id)]
            currency = {c.id: c.currency for c in Customer.query.filter_by(organization_id=organization_id)}
            batch = []
            for i in range(count):
                customer_id = rng.choice(ids)
                issued = date(2025, 1, 1) + timedelta(days=rng.randrange(700))
                status = rng.choice(STATUSES)
                total = rng.randrange(100, 2_000_000)
                batch.append(dict(
                    organization_id=organization_id, customer_id=customer_id, currency=currency[customer_id],
                    number=None if status == "draft" else f"INV-{i + 1:06d}", status=status, issue_date=issued,
                    due_date=issued + timedelta(days=14), payment_method="stripe", subtotal=total, tax_total=0,
                    total=total, amount_paid=total if status == "paid" else 0, amount_refunded=0,
                    pay_token=f"{organization_id}-{i}-{rng.getrandbits(64):x}", checkout_count=0, charge_attempts=0,
                    created_at=datetime(2025, 1, 1) + timedelta(minutes=i)))
                if len(batch) == 5000:
                    db.session.execute(Invoice.__table__.insert(), batch)
                    batch = []
            if batch:
                db.session.execute(Invoice.__table__.insert(), batch)
        db.session.commit()
        if db.engine.dialect.name == "postgresql":
            with db.engine.connect() as conn:
                conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("ANALYZE"))
        else:
            db.session.execute(text("ANALYZE"))
            db.session.commit()


def measure(app, requests: int):
    from light.extensions import db

    client = app.test_client()
    response = client.post("/login", data={"email": "bench@example.com", "password": PASSWORD})
    assert response.status_code == 303, response.status_code
    with app.app_context():
        engine = db.engine
    statements, started_at = [], []
    event.listen(engine, "before_cursor_execute", lambda *args: started_at.append(time.perf_counter()))
    event.listen(engine, "after_cursor_execute",
                 lambda *args: statements.append(time.perf_counter() - started_at.pop()))
    # The page: route, queries and template; of it, the time spent in the database's queries.
    print(f"{'':36} {'p50 ms':>8} {'p95 ms':>8} {'db p50':>8} {'queries':>8}")
    for label, url in SEARCHES:
        headers = {"HX-Request": "true", "HX-Target": "invoice-list"} if label.startswith("htmx") else {}
        assert client.get(url, headers=headers).status_code == 200, url  # warm
        times, in_db = [], []
        for _ in range(requests):
            statements.clear()
            started = time.perf_counter()
            response = client.get(url, headers=headers)
            times.append((time.perf_counter() - started) * 1000)
            in_db.append(sum(statements) * 1000)
            assert response.status_code == 200
        p95 = statistics.quantiles(times, n=20)[-1] if len(times) >= 2 else times[0]
        print(f"{label:36} {statistics.median(times):8.1f} {p95:8.1f} {statistics.median(in_db):8.1f} "
              f"{len(statements):8d}")
    started = time.perf_counter()
    response = client.get("/invoices/export.csv")
    size = sum(len(chunk) for chunk in response.response)
    print(f"CSV export of every invoice: {size / 1e6:.1f} MB in {time.perf_counter() - started:.1f}s (streamed)")


def run(label: str, url: str, n: int, requests: int):
    print(f"\n== {label}: {n:,} invoices (+{n // 10:,} of another organization)")
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "LIGHT_ENV": "bench",
                      "LIGHT_ENCRYPTION_KEY": derive_key("bench"), "EMBEDDED_CLOCK": False,
                      "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1", "WTF_CSRF_ENABLED": False})
    started = time.perf_counter()
    seed(app, n, n // 10)
    print(f"seeded in {time.perf_counter() - started:.1f}s")
    measure(app, requests)
    from light.extensions import db

    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--skip-sqlite", action="store_true", help="only PostgreSQL (TEST_DATABASE_URL)")
    args = parser.parse_args()
    if not args.skip_sqlite:
        workdir = tempfile.mkdtemp(prefix="light-bench-lists-")
        run("SQLite", f"sqlite:///{os.path.join(workdir, 'light.sqlite3')}", args.n, args.requests)
    server = os.environ.get("TEST_DATABASE_URL")
    if server:
        from light.config import _database_url

        server = make_url(_database_url(server, ""))
        name = f"light_bench_lists_{os.getpid()}"
        admin = create_engine(server, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            run("PostgreSQL", server.set(database=name).render_as_string(hide_password=False), args.n, args.requests)
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
            admin.dispose()


if __name__ == "__main__":
    main()
