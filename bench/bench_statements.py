"""Statement import benchmark: `python bench/bench_statements.py [--n 100000]`.

Prints the time and peak memory of importing an OFX statement of N transactions (default 100,000)
into a bank account on a temp SQLite database (or DATABASE_URL), with deposit-to-payout matching
against N/100 Stripe payouts, then the time of importing the same file again (everything already
there, nothing added). Parse and store are timed apart; peak memory is the process's peak RSS
(ru_maxrss) and the peak traced by tracemalloc during a separate parse."""
import argparse
import os
import random
import resource
import sys
import tempfile
import time
import tracemalloc
from datetime import date, datetime, timedelta

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from light import create_app  # noqa: E402
from light.plumbing.crypto import derive_key  # noqa: E402
from tests.fixtures.statements import ofx_sgml  # noqa: E402


def statement(n: int, payouts: int, seed: int = 7):
    """N transactions over a year: card spending, clients paying, and `payouts` Stripe deposits."""
    rng = random.Random(seed)
    start = date(2026, 1, 1)
    rows, deposits = [], []
    for i in range(n):
        day = start + timedelta(days=i * 365 // n)
        if i % (n // payouts) == 0 and len(deposits) < payouts:
            cents = rng.randint(10_000, 5_000_000)
            deposits.append((day, cents))
            rows.append((day.strftime("%Y%m%d"), f"{cents // 100}.{cents % 100:02d}", f"FIT{i}", "STRIPE TRANSFER"))
        else:
            cents = rng.randint(-200_000, 200_000) or 1
            sign = "-" if cents < 0 else ""
            rows.append((day.strftime("%Y%m%d"), f"{sign}{abs(cents) // 100}.{abs(cents) % 100:02d}", f"FIT{i}",
                         rng.choice(["CARD 4411 COFFEE", "ACME LTD INV-0042", "RENT", "AWS EMEA", "PAYROLL"])))
    return ofx_sgml(rows), deposits


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=100_000)
    args = parser.parse_args()
    n, payouts = args.n, max(args.n // 100, 1)

    with tempfile.TemporaryDirectory() as tmp:
        url = os.environ.get("DATABASE_URL") or f"sqlite:///{tmp}/bench.sqlite3"
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "LIGHT_ENV": "test",
                          "LIGHT_ENCRYPTION_KEY": derive_key("bench"), "REDIS_URL": None, "REDIS_CONNECTION": None})
        with app.app_context():
            from light.auth.services import sign_up
            from light.banking.models import BankAccount, BankPayout, StripeConnection
            from light.extensions import db
            from light.statements import formats, matching, services
            from light.statements.models import PayoutDeposit, StatementAccount, StatementLine

            db.drop_all()
            db.create_all()
            owner = sign_up(organization_name="Bench Ltd", name="Bench", email="bench@example.com",
                            password="correct horse battery")
            data, deposits = statement(n, payouts)
            connection = StripeConnection(organization_id=owner.organization_id, stripe_user_id="acct_bench",
                                          status="active")
            db.session.add(connection)
            db.session.flush()
            stripe_usd = BankAccount(organization_id=owner.organization_id, connection_id=connection.id,
                                     name="Stripe (USD)", currency="USD")
            db.session.add(stripe_usd)
            db.session.flush()
            db.session.add_all(BankPayout(organization_id=owner.organization_id, bank_account_id=stripe_usd.id,
                                          stripe_id=f"po_bench{i}", amount=cents, currency="USD", status="paid",
                                          arrival_date=datetime.combine(day, datetime.min.time()))
                               for i, (day, cents) in enumerate(deposits))
            account = StatementAccount(organization_id=owner.organization_id, name="Business checking",
                                       currency="USD")
            db.session.add(account)
            db.session.commit()
            print(f"statement: {n:,} OFX transactions, {len(data) / 1e6:.1f} MB; {payouts:,} Stripe payouts")
            baseline = rss_mb()

            limit = len(data) + 1
            started = time.perf_counter()
            parsed = formats.parse(data, currency="USD", max_bytes=limit)
            parsed_at = time.perf_counter()
            record = services.store(account, parsed, "bench.ofx", owner.id, match=False)
            stored_at = time.perf_counter()
            counts = matching.match_deposits(account)
            matched_at = time.perf_counter()
            peak = rss_mb()
            del parsed
            print(f"import: {matched_at - started:.1f} s in all (parse {parsed_at - started:.1f} s, "
                  f"store {stored_at - parsed_at:.1f} s, match {matched_at - stored_at:.1f} s); "
                  f"{record.added_count:,} added, {counts['linked']:,} deposits linked, "
                  f"{counts['suggested']:,} suggested")
            print(f"peak RSS: {peak:.0f} MB (before the import: {baseline:.0f} MB)")

            started = time.perf_counter()
            again = services.store(account, formats.parse(data, currency="USD", max_bytes=limit), "bench.ofx",
                                   owner.id)
            print(f"re-import of the same file: {time.perf_counter() - started:.1f} s; {again.added_count} added, "
                  f"{again.duplicate_count:,} already imported")

            tracemalloc.start()
            formats.parse(data, currency="USD", max_bytes=limit)
            _, traced = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            print(f"peak traced memory of parsing the file: {traced / 1e6:.0f} MB")
            assert StatementLine.query.count() == n and PayoutDeposit.query.count() == counts["linked"]


if __name__ == "__main__":
    main()
