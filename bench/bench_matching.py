"""Reconciliation engine benchmark: `python bench/bench_matching.py [--n 5000 50000] [--seed 1]`.

Generates N bank lines against about N open invoices with a known answer (payments through Light
by payment intent, Light's metadata, refunds, FX; outside Light with references, wrong references,
part payments, overpayments, several invoices at once, the same amount on the same day for two
customers, anonymous payments, two of one customer's invoices for the same amount, a reference to an
invoice in another currency, another organization's metadata, refunds of charges Light never saw;
fees, payouts; noise; USD, EUR, JPY and KWD), re-matches them all,
and prints precision and recall per tier and per case, the issue's goals, the time per N (linear
growth), peak traced memory and the process's peak RSS. Then (unless --no-sync-page) one sync page
of 100 lines with matching, on a real SQLite database: time and queries per page.
"""
import argparse
import os
import random
import resource
import sys
import time
import tracemalloc
from collections import Counter, defaultdict
from datetime import date, timedelta

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from light.reconciliation.engine import rematch  # noqa: E402
from light.reconciliation.values import BankLine, OpenInvoice, PayoutComponent  # noqa: E402

ORG = 1
START = date(2024, 1, 1)
CURRENCIES = ["USD"] * 6 + ["EUR"] * 2 + ["JPY", "KWD"]
RANGES = {"USD": (1000, 500000), "EUR": (1000, 500000), "JPY": (500, 500000), "KWD": (1000, 200000)}
# case -> (weight, collected by Light?, expected tier)
CASES = {
    "light_intent": (22, True, "T1"), "light_intent_fx": (3, True, "T1"), "light_metadata": (4, True, "T1"),
    "refund": (3, True, "T1"), "dispute": (1, True, "T1"),
    "outside_reference": (10, False, "T2"), "outside_customer": (12, False, "T3"),
    "wrong_reference": (4, False, "T3"), "anonymous_unique": (5, False, "T4"), "multi": (4, False, "T5"),
    "partial": (5, False, "T6"), "over": (4, False, "T7"), "same_amount_same_day": (3, False, "T4"),
    "same_customer_twice": (2, False, "T3"), "reference_other_currency": (1, False, None),
    "fee": (8, None, "T0"), "payout": (3, None, "T0"), "payout_broken": (1, None, None), "noise": (8, None, None),
    "metadata_other_org": (1, None, None), "outside_refund": (1, None, None),
}
OUTSIDE = [case for case, (_, light, _) in CASES.items() if light is False]
LIGHT = [case for case, (_, light, _) in CASES.items() if light is True]


class World:
    """The generated invoices and lines, with each line's answer: (case, tier, target)."""

    def __init__(self, seed):
        self.random = random.Random(seed)
        self.invoices, self.lines, self.truth = [], [], {}
        self.light_paid = []  # (invoice, payment intent, line amount, currency, rate) a refund can follow once

    def customer(self):
        n = len(self.invoices) + len(self.lines)
        return f"cus_{n}", f"c{n}@example.com"

    def invoice(self, currency, amount, issued, customer, *, outstanding=None, intents=()):
        number = len(self.invoices) + 1
        made = OpenInvoice(id=number, number=f"INV-{number:04d}", customer_id=number, customer_emails=(customer[1],),
                           stripe_customer_id=customer[0], currency=currency, total=amount,
                           outstanding=amount if outstanding is None else outstanding, issue_date=issued,
                           due_date=issued + timedelta(days=self.random.choice([14, 30])), organization_id=ORG,
                           payment_intent_ids=intents)
        self.invoices.append(made)
        return made

    def line(self, case, target, amount, currency, created, **values):
        made = BankLine(id=f"txn_{len(self.lines)}", kind=values.pop("kind", "charge"), amount=amount,
                        currency=currency, created=created, **values)
        self.lines.append(made)
        self.truth[made.id] = (case, CASES[case][2], target)
        return made

    def amount(self, currency):
        return self.random.randint(*RANGES[currency])

    def day(self):
        return START + timedelta(days=self.random.randint(0, 330))

    def paid_on(self, invoice):
        term = (invoice.due_date - invoice.issue_date).days
        return invoice.issue_date + timedelta(days=self.random.randint(0, term + 10))


def light_case(world, case, currency, customer):
    r = world.random
    if case in ("refund", "dispute") and world.light_paid:
        invoice, intent, amount, paid_in, rate = world.light_paid.pop(r.randrange(len(world.light_paid)))
        share = amount if case == "dispute" else r.randint(1, amount)
        world.line(case, frozenset({invoice.id}), -share, paid_in, invoice.due_date + timedelta(days=20), kind=case,
                   payment_intent=intent, exchange_rate=rate)
        return
    if case in ("refund", "dispute"):
        case = "light_intent"
    intent = f"pi_{len(world.lines)}"
    amount = world.amount(currency)
    if case == "light_metadata":
        invoice = world.invoice(currency, amount, world.day(), customer)
        world.line(case, frozenset({invoice.id}), amount, currency, world.paid_on(invoice), payment_intent=intent,
                   customer=customer[0],
                   metadata={"light_invoice_id": str(invoice.id), "light_organization_id": str(ORG)})
        return
    if case == "light_intent_fx":
        invoice = world.invoice("EUR", amount, world.day(), customer, outstanding=0, intents=(intent,))
        rate, line_currency = r.choice([("1.0856", "USD"), ("163.52", "JPY")])
        paid = amount * int(rate.replace(".", "")) // 10 ** len(rate.split(".")[1])
        paid = paid if line_currency == "USD" else paid // 100
        world.line(case, frozenset({invoice.id}), paid, line_currency, world.paid_on(invoice), payment_intent=intent,
                   exchange_rate=rate, customer=customer[0])
        world.light_paid.append((invoice, intent, paid, line_currency, rate))
        return
    invoice = world.invoice(currency, amount, world.day(), customer, outstanding=0, intents=(intent,))
    world.line(case, frozenset({invoice.id}), amount, currency, world.paid_on(invoice), payment_intent=intent,
               customer=customer[0])
    world.light_paid.append((invoice, intent, amount, currency, None))


def outside_case(world, case, currency, customer):
    r = world.random
    amount = world.amount(currency)
    guest = {"customer": f"cus_guest{len(world.lines)}", "customer_email": customer[1].upper()}
    if case == "multi":
        first = world.day()
        parts = [world.invoice(currency, world.amount(currency), first + timedelta(days=r.randint(0, 30)), customer)
                 for _ in range(r.randint(2, 4))]
        world.line(case, frozenset(p.id for p in parts), sum(p.total for p in parts), currency,
                   max(p.issue_date for p in parts) + timedelta(days=r.randint(0, 10)), **guest)
        return
    if case == "same_amount_same_day":
        issued = world.day()
        first = world.invoice(currency, amount, issued, customer)
        world.invoice(currency, amount, issued, world.customer())
        world.line(case, frozenset({first.id}), amount, currency, issued + timedelta(days=r.randint(0, 5)),
                   description="Payment")
        return
    if case == "same_customer_twice":  # two of the customer's invoices fit exactly: a question, the oldest first
        issued = world.day()
        first = world.invoice(currency, amount, issued, customer)
        world.invoice(currency, amount, issued + timedelta(days=20), customer)
        world.line(case, frozenset({first.id}), amount, currency, issued + timedelta(days=25), **guest)
        return
    if case == "reference_other_currency":  # names an invoice in another currency: never across currencies
        other = r.choice([c for c in RANGES if c != currency])
        invoice = world.invoice(other, amount, world.day(), customer)
        world.line(case, None, amount, currency, world.paid_on(invoice), description=f"Payment for {invoice.number}")
        return
    invoice = world.invoice(currency, amount, world.day(), customer)
    on = world.paid_on(invoice)
    if case == "outside_reference":
        world.line(case, frozenset({invoice.id}), amount, currency, on, description=f"Payment for {invoice.number}")
    elif case == "outside_customer":
        world.line(case, frozenset({invoice.id}), amount, currency, on, **guest)
    elif case == "wrong_reference":
        other = r.choice(world.invoices[:-1]) if len(world.invoices) > 1 else invoice
        world.line(case, frozenset({invoice.id}), amount, currency, on, description=f"Ref {other.number}", **guest)
    elif case == "anonymous_unique":
        on = invoice.issue_date + timedelta(days=r.randint(0, 10))
        world.line(case, frozenset({invoice.id}), amount, currency, on)
    elif case == "partial":
        world.line(case, frozenset({invoice.id}), max(1, amount * r.randint(10, 90) // 100), currency, on, **guest)
    elif case == "over":
        world.line(case, frozenset({invoice.id}), amount + max(1, amount // 250), currency, on, **guest)


def other_case(world, case, currency):
    r = world.random
    on = world.day()
    if case == "fee":
        world.line(case, "stripe_fees", -r.randint(50, 5000), currency, on, kind="fee")
    elif case in ("payout", "payout_broken"):
        nets = [r.randint(100, 100000) for _ in range(r.randint(1, 20))]
        components = tuple(PayoutComponent(f"c{i}", net) for i, net in enumerate(nets))
        off = 0 if case == "payout" else r.randint(1, 500)
        world.line(case, "transfer" if case == "payout" else None, -(sum(nets) + off), currency, on, kind="payout",
                   payout_components=components)
    elif case == "metadata_other_org":  # Light's metadata, another organization's: never links by id here
        amount = world.amount(currency)
        invoice = world.invoice(currency, amount, on, world.customer())
        world.line(case, None, amount, currency, invoice.due_date + timedelta(days=90),
                   metadata={"light_invoice_id": str(invoice.id), "light_organization_id": str(ORG + 1)})
    elif case == "outside_refund":  # a refund of a charge that paid no invoice Light knows
        world.line(case, None, -world.amount(currency), currency, on, kind="refund",
                   charge=f"ch_outside{len(world.lines)}", payment_intent=f"pi_outside{len(world.lines)}")
    else:
        world.line(case, None, world.amount(currency), currency, on, customer=f"cus_noise{len(world.lines)}",
                   description="Donation")


def generate(n, seed):
    world = World(seed)
    names, weights = list(CASES), [weight for weight, _, _ in CASES.values()]
    while len(world.lines) < n:
        case = world.random.choices(names, weights)[0]
        currency = world.random.choice(CURRENCIES)
        if case in LIGHT:
            light_case(world, case, currency, world.customer())
        elif case in OUTSIDE:
            outside_case(world, case, currency, world.customer())
        else:
            other_case(world, case, currency)
    customers = [(i.stripe_customer_id, i.customer_emails[0]) for i in world.invoices]
    while len(world.invoices) < n:  # other open invoices of the same customers, paid by nothing here
        currency = world.random.choice(CURRENCIES)
        world.invoice(currency, world.amount(currency), world.day(), world.random.choice(customers))
    return world


def target_of(decision):
    if not decision.settlements:
        return None
    if decision.invoice_ids:
        return frozenset(decision.invoice_ids)
    return decision.settlements[0].category


def score(world, results):
    tiers = defaultdict(Counter)
    cases = defaultdict(Counter)
    for line, decision in results:
        case, tier, target = world.truth[line.id]
        right = target is not None and target_of(decision) == target
        counts = cases[case]
        counts["lines"] += 1
        counts["answerable"] += target is not None
        counts["linked"] += decision.outcome == "linked"
        counts["linked_right"] += decision.outcome == "linked" and right
        counts["linked_wrong"] += decision.outcome == "linked" and not right
        counts["first_right"] += decision.outcome != "unmatched" and right
        counts["unmatched_right"] += target is None and decision.outcome == "unmatched"
        if decision.tier and decision.settlements:
            tiers[decision.tier]["decided"] += 1
            tiers[decision.tier]["right"] += right
        if tier:
            tiers[tier]["expected"] += 1
            tiers[tier]["found"] += right and decision.tier == tier
    return tiers, cases


def ratio(part, whole):
    return f"{100 * part / whole:6.2f}%" if whole else "     -"


def f1(precision_part, precision_whole, recall_part, recall_whole):
    if not precision_whole or not recall_whole or not precision_part:
        return "     -"
    p, r = precision_part / precision_whole, recall_part / recall_whole
    return f"{200 * p * r / (p + r):6.2f}%"


def report(world, results):
    tiers, cases = score(world, results)
    print("\nper tier (a link or suggestion made at the tier; recall of the lines whose answer is that tier)")
    print(f"  {'tier':5} {'decided':>8} {'precision':>10} {'expected':>9} {'recall':>8}")
    for tier in sorted(tiers):
        t = tiers[tier]
        print(f"  {tier:5} {t['decided']:8} {ratio(t['right'], t['decided']):>10} {t['expected']:9} "
              f"{ratio(t['found'], t['expected']):>8}")
    print("\nper case (auto-links: precision, recall, F1; then link or first suggestion correct)")
    print(f"  {'case':24} {'lines':>6} {'linked':>7} {'precision':>10} {'recall':>8} {'F1':>8} {'first ok':>9}")
    for case in CASES:
        c = cases[case]
        if not c["lines"]:
            continue
        first = c["first_right"] + c["unmatched_right"]
        print(f"  {case:24} {c['lines']:6} {c['linked']:7} {ratio(c['linked_right'], c['linked']):>10} "
              f"{ratio(c['linked_right'], c['answerable']):>8} "
              f"{f1(c['linked_right'], c['linked'], c['linked_right'], c['answerable']):>8} "
              f"{ratio(first, c['lines']):>9}")
    goals(tiers, cases)


def goals(tiers, cases):
    total = lambda names, key: sum(cases[name][key] for name in names)  # noqa: E731
    everything = list(CASES)
    print("\ngoals")
    print(f"  T1 precision {ratio(tiers['T1']['right'], tiers['T1']['decided'])} and recall "
          f"{ratio(tiers['T1']['found'], tiers['T1']['expected'])} (goal 100%)")
    print(f"  auto-link precision overall {ratio(total(everything, 'linked_right'), total(everything, 'linked'))} "
          f"(goal >= 99.9%; {total(everything, 'linked_wrong')} wrong links of {total(everything, 'linked')})")
    print(f"  auto-link recall, payments collected by Light "
          f"{ratio(total(LIGHT, 'linked_right'), total(LIGHT, 'answerable'))} (goal >= 95%)")
    print(f"  auto-link or first suggestion correct, payments outside Light "
          f"{ratio(total(OUTSIDE, 'first_right'), total(OUTSIDE, 'answerable'))} (goal >= 90%)")


def runs_for(n, repeat):
    return max(repeat, repeat * 20000 // n)  # a small N takes a fraction of a second: more tries


def timed(n, seed, repeat=3):
    """The fastest of a few re-matches: on a machine others share, one run measures them too."""
    world = generate(n, seed)
    best = float("inf")
    for _ in range(runs_for(n, repeat)):
        started = time.perf_counter()
        results = rematch(world.lines, world.invoices, organization_id=ORG)
        best = min(best, time.perf_counter() - started)
    return world, results, best


def traced_peak(world):
    tracemalloc.start()
    rematch(world.lines, world.invoices, organization_id=ORG)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak


def sync_pages(pages=7, size=100, open_invoices=2000):
    """Feed.store_page (upsert + matching) of `pages` pages of `size` lines against
    `open_invoices` open invoices, as the sync runs it: milliseconds and SQL statements a page."""
    import tempfile
    from datetime import datetime as at

    from sqlalchemy import event

    from light import create_app
    from light.auth import services as auth
    from light.banking import sync
    from light.banking.models import StripeConnection, SyncRun
    from light.customers.models import Customer
    from light.extensions import db
    from light.invoices.models import Invoice
    from light.plumbing.crypto import derive_key
    from light.plumbing.stripe_gateway import BalanceTransaction

    # On tmpfs when there is one: SQLite's fsync per commit on a shared disk would measure the disk.
    folder = tempfile.mkdtemp(prefix="bench-sync-", dir="/dev/shm" if os.path.isdir("/dev/shm") else None)
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/bench.sqlite3", "SECRET_KEY": "bench",
                      "LIGHT_ENCRYPTION_KEY": derive_key("bench"), "LIGHT_ENV": "bench", "EMBEDDED_CLOCK": False})
    rng = random.Random(7)
    with app.app_context():
        db.create_all()
        org = auth.sign_up(organization_name="Bench Ltd", name="B", email="b@example.com",
                           password="a-long-passphrase").organization_id
        connection = StripeConnection(organization_id=org, stripe_user_id="acct_bench", status="active",
                                      access_token="sk_test_bench")
        people = [Customer(organization_id=org, name=f"C{i}", email=f"c{i}@example.com", currency="USD",
                           stripe_customer_id=f"cus_{i}") for i in range(200)]
        db.session.add_all([connection, *people])
        db.session.flush()
        invoices = []
        for i in range(open_invoices + pages * size):
            paid = i >= open_invoices  # the ones Light collected through Stripe: their payment intent is known
            total = rng.randint(1000, 500000)
            invoices.append(Invoice(organization_id=org, customer_id=people[i % 200].id, number=f"INV-{i + 1:05d}",
                                    status="paid" if paid else "issued", currency="USD", issue_date=START,
                                    due_date=START + timedelta(days=30), total=total, subtotal=total,
                                    amount_paid=total if paid else 0, pay_token=f"tok{i}",
                                    stripe_payment_intent_id=f"pi_bench_{i}" if paid else None))
        db.session.add_all(invoices)
        run = SyncRun(organization_id=org, connection_id=connection.id, kind="incremental")
        db.session.add(run)
        db.session.commit()
        totals = {i: (invoice.total, invoice.stripe_payment_intent_id) for i, invoice in enumerate(invoices)}
        connection_id, run_id = connection.id, run.id
        db.session.remove()  # a sync's session holds its connection, not the set-up's 2,000 invoices
        feed = sync.Feed(db.session.get(StripeConnection, connection_id), None, db.session.get(SyncRun, run_id))
        feed.account("usd")
        db.session.commit()  # as in a sync, every page starts after a commit
        created = int((at(2024, 1, 12) - at(1970, 1, 1)).total_seconds())
        results, used = [], iter(range(open_invoices, open_invoices + pages * size))
        for page in range(pages):
            txns = []
            for i in range(size):
                roll, n = i % 10, page * size + i
                total, intent = totals[next(used)] if roll < 4 else totals[rng.randrange(open_invoices)]
                if roll < 4:  # T1: a payment Light collected
                    values = dict(amount=total, type="charge", category="charge", payment_intent_id=intent)
                elif roll < 6:  # a Stripe fee
                    values = dict(amount=-rng.randint(30, 900), type="stripe_fee", category="fee")
                elif roll < 8:  # an outside payment of an exact amount: suggested or linked by customer
                    values = dict(amount=total, type="charge", category="charge", customer_id="cus_unknown")
                else:  # nothing fits
                    values = dict(amount=rng.randint(1, 999), type="charge", category="charge")
                txns.append(BalanceTransaction(
                    id=f"txn_bench_{n}", amount=values["amount"], fee=0, net=values["amount"], currency="usd",
                    type=values["type"], reporting_category=values["category"], status="available",
                    created=created + n, available_on=created + n, description=f"Line {n}",
                    source_id=f"ch_bench_{n}", payment_intent_id=values.get("payment_intent_id"),
                    customer_id=values.get("customer_id")))
            statements = []
            listener = lambda *args, seen=statements: seen.append(1)  # noqa: E731
            event.listen(db.engine, "before_cursor_execute", listener)
            started = time.perf_counter()
            feed.store_page(txns)
            db.session.commit()
            results.append((time.perf_counter() - started, len(statements)))
            event.remove(db.engine, "before_cursor_execute", listener)
    print(f"\none sync page of {size} lines with matching (SQLite in {folder}, {open_invoices:,} open invoices; "
          f"4 in 10 lines T1, 2 fees, 2 exact amounts, 2 that fit nothing)")
    for page, (seconds, count) in enumerate(results, 1):
        print(f"  page {page}: {1000 * seconds:6.1f} ms, {count} SQL statements")
    middle = sorted(seconds for seconds, _ in results)[len(results) // 2]
    print(f"  median {1000 * middle:.1f} ms a page (load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)")
    print(f"  goal: <= 250 ms a page, constant queries per page "
          f"({'constant' if len({c for _, c in results}) == 1 else 'NOT constant'})")


def rematch_in_database(n=5000):
    """Re-match (the job's service) of `n` stored lines against `n` invoices on a real SQLite
    database: 4 in 10 lines paid through Light (T1), 2 fees (T0), 2 naming an open invoice (T2,
    each recording its payment through the invoices service), 2 that fit nothing."""
    import tempfile
    from datetime import datetime as at

    from light import create_app
    from light.auth import services as auth
    from light.banking.models import BankAccount, BankTransaction, StripeConnection
    from light.customers.models import Customer
    from light.extensions import db
    from light.invoices.models import Invoice
    from light.plumbing.crypto import derive_key
    from light.reconciliation.matching import rematch_account

    folder = tempfile.mkdtemp(prefix="bench-rematch-", dir="/dev/shm" if os.path.isdir("/dev/shm") else None)
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/bench.sqlite3", "SECRET_KEY": "bench",
                      "LIGHT_ENCRYPTION_KEY": derive_key("bench"), "LIGHT_ENV": "bench", "EMBEDDED_CLOCK": False})
    rng = random.Random(11)
    with app.app_context():
        db.create_all()
        org = auth.sign_up(organization_name="Bench Ltd", name="B", email="b@example.com",
                           password="a-long-passphrase").organization_id
        connection = StripeConnection(organization_id=org, stripe_user_id="acct_bench", status="active")
        person = Customer(organization_id=org, name="C", email="c@example.com", currency="USD")
        db.session.add_all([connection, person])
        db.session.flush()
        account = BankAccount(organization_id=org, connection_id=connection.id, name="Stripe (USD)", currency="USD")
        db.session.add(account)
        db.session.flush()
        invoices, lines = [], []
        for i in range(n):
            paid = i % 10 < 4
            total = rng.randint(1000, 500000)
            invoices.append(dict(organization_id=org, customer_id=person.id, number=f"INV-{i + 1:05d}",
                                 status="paid" if paid else "issued", currency="USD", issue_date=START,
                                 due_date=START + timedelta(days=30), total=total, subtotal=total, tax_total=0,
                                 amount_paid=total if paid else 0, amount_refunded=0, pay_token=f"tok{i}",
                                 payment_method="stripe", checkout_count=0, charge_attempts=0,
                                 created_at=at(2024, 1, 1), stripe_payment_intent_id=f"pi_{i}" if paid else None))
            roll = i % 10
            amount = -rng.randint(30, 900) if 4 <= roll < 6 else (rng.randint(1, 999) if roll >= 8 else total)
            lines.append(dict(organization_id=org, bank_account_id=account.id, stripe_id=f"txn_{i}", amount=amount,
                              fee=0, net=amount, currency="USD", status="available",
                              type="stripe_fee" if 4 <= roll < 6 else "charge",
                              category="fee" if 4 <= roll < 6 else "charge", created=at(2024, 1, 12),
                              description=f"Payment INV-{i + 1:05d}" if 6 <= roll < 8 else f"Line {i}",
                              payment_intent_id=f"pi_{i}" if paid else None, match_state="unmatched"))
        db.session.execute(Invoice.__table__.insert(), invoices)
        db.session.execute(BankTransaction.__table__.insert(), lines)
        db.session.commit()
        account_id = account.id
        db.session.remove()
        started = time.perf_counter()
        counts = rematch_account(account_id)
        seconds = time.perf_counter() - started
    print(f"\nRe-match in the database (SQLite in {folder}): {n:,} lines against {n:,} invoices in {seconds:.1f} s "
          f"({1e3 * seconds / n:.2f} ms a line; {counts.get('linked', 0):,} matched, "
          f"{counts.get('unmatched', 0):,} unmatched; {n // 5:,} payments recorded through the invoices service)")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, nargs="+", default=[5000, 50000])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3, help="time the fastest of this many re-matches per N")
    parser.add_argument("--no-sync-page", action="store_true")
    parser.add_argument("--rematch", type=int, default=0, metavar="N",
                        help="also time Re-match of N stored lines in a database")
    args = parser.parse_args()
    timings = []
    for n in args.n:
        world, results, seconds = timed(n, args.seed, args.repeat)
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # before tracemalloc adds its own
        peak = traced_peak(world)
        timings.append((n, seconds, peak, rss))
        print(f"\n== N = {n:,} lines against {len(world.invoices):,} invoices "
              f"({sum(1 for i in world.invoices if i.outstanding):,} open)")
        report(world, results)
    print(f"\ntime of a full re-match (decisions only, generation excluded; the fastest of "
          f"{', '.join(f'{runs_for(n, args.repeat)} at N = {n:,}' for n in args.n)})")
    for n, seconds, peak, rss in timings:
        print(f"  N = {n:>7,}: {seconds:6.2f} s ({1e6 * seconds / n:5.1f} us a line), "
              f"peak traced memory {peak / 2**20:6.1f} MiB, peak RSS so far {rss:.0f} MiB")
    if len(timings) > 1:
        (n0, s0, _, _), (n1, s1, _, _) = timings[0], timings[-1]
        print(f"  growth: {n1 / n0:.0f}x the lines took {s1 / s0:.1f}x the time (linear is {n1 / n0:.0f}x)")
    overall = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"  peak RSS with tracemalloc's own overhead {overall:.0f} MiB")
    if not args.no_sync_page:
        sync_pages()
    if args.rematch:
        rematch_in_database(args.rematch)


if __name__ == "__main__":
    main()
