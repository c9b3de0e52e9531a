"""Generating history straight into the store (no HTTP, no events): 100,000 balance
transactions take a few seconds.

The timeline is simulated in order: charges (fee 2.9% + 30, available two days later), some
refunds and disputes, and a payout per currency every `payout_every_days` that sweeps what was
available by then, so `?payout=po_…` breakdowns sum to zero like the real thing.
"""
import gc
import heapq
import random
from decimal import Decimal

from . import fx, money, payments

AMOUNTS = {"jpy": (300, 60_000), "krw": (3_000, 600_000), "kwd": (1_000, 150_000),
           "bhd": (1_000, 150_000)}
FOREIGN_SHARE = 0.3  # of the charges in the first settlement currency, when foreign ones are asked for
NAMES = ("Ada Lovelace", "Grace Hopper", "Alan Turing", "Edsger Dijkstra", "Barbara Liskov",
         "Donald Knuth", "Margaret Hamilton", "Ken Thompson", "Frances Allen", "John Backus")


def seed_account(store, account, **options):
    """Add about `balance_transactions` transactions (exactly, unless it is tiny) to `account`.

    `currencies` are where the account settles (it has a bank account in each); charges in
    `foreign_currencies` are converted into the first of them (fx.py)."""
    # Hundreds of thousands of new dicts and no cycles among them: the cyclic collector would
    # only rescan them, over and over (a third of the time on 100,000 transactions).
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _seed(store, account, **options)
    finally:
        if collecting:
            gc.enable()


def _seed(store, account, *, balance_transactions=1000, months=3, currencies=("usd",),
          customers=10, refund_every=12, dispute_every=250, payout_every_days=7,
          seed=0, start=None, end=None, foreign_currencies=()):
    rng = random.Random(seed)
    end = store.now() if end is None else end
    start = end - months * 30 * 86400 if start is None else start
    currencies = [c.lower() for c in currencies]
    foreign = [c.lower() for c in foreign_currencies if c.lower() not in currencies]
    account.settlement_currencies |= set(currencies)
    people = []
    for i in range(max(customers, 1)):
        name = NAMES[i % len(NAMES)] + ("" if i < len(NAMES) else f" {i // len(NAMES) + 1}")
        customer = payments.new_customer(store, account, name=name, created=start,
                                         email=f"{name.lower().replace(' ', '.')}@example.com")
        people.append(customer)
    step = max(payout_every_days, 1) * 86400
    payout_times = list(range(start + step, end, step))
    target = max(balance_transactions - len(payout_times) * len(currencies), 0)
    times = sorted(rng.randint(start, end) for _ in range(target))
    timeline = [(t, 1, None) for t in times] + [(t, 0, c) for t in payout_times for c in currencies]
    timeline.sort(key=lambda entry: (entry[0], entry[1]))

    out = {kind: [] for kind in ("balance_transactions", "charges", "refunds", "disputes", "payouts")}
    waiting = {c: [] for c in currencies}  # not yet paid out: [(available_on, txn)]
    recent = {c: [] for c in currencies}  # charges that can still be refunded or disputed

    def keep(kind, obj):
        out[kind].append(((obj["created"], store.next_seq()), obj))

    def txn(amount, currency, type, category, source, description, created, fee=0,
            available_on=None, fee_description="Stripe processing fees", rate=None):
        record = {"id": store.new_id("txn"), "object": "balance_transaction", "amount": amount,
                  "available_on": created if available_on is None else available_on,
                  "balance_type": "payments", "created": created, "currency": currency,
                  "description": description, "exchange_rate": fx.as_json(rate), "fee": fee,
                  "fee_details": money._fee_details(fee, currency, fee_description),
                  "net": amount - fee, "reporting_category": category, "source": source,
                  "status": "available", "type": type}
        keep("balance_transactions", record)
        if type != "payout":
            waiting[currency].append((record["available_on"], record))
        return record

    for created, is_item, payout_currency in timeline:
        if not is_item:
            _payout(store, account, payout_currency, created, end, waiting, txn, keep)
            continue
        currency = rng.choice(currencies)
        charges = recent[currency]
        roll = rng.random()
        if charges and refund_every and roll < 1 / refund_every:
            charge = charges.pop(rng.randrange(len(charges)))
            amount = charge["amount"] if rng.random() < 0.7 else max(charge["amount"] // 2, 1)
            rate = _rate_of(charge)
            refund = {"id": store.new_id("re"), "object": "refund", "amount": amount,
                      "balance_transaction": None, "charge": charge["id"], "created": created,
                      "currency": charge["currency"], "customer": charge["customer"],
                      "customer_account": None,
                      "destination_details": {"card": {"type": "refund"}, "type": "card"},
                      "metadata": {}, "payment_intent": None, "payment_method": None,
                      "reason": "requested_by_customer",
                      "receipt_number": None, "source_transfer_reversal": None,
                      "status": "succeeded", "transfer_reversal": None}
            booked = fx.convert(amount, charge["currency"], currency, rate)
            refund["balance_transaction"] = txn(-booked, currency, "refund", "refund", refund["id"],
                                                "REFUND FOR CHARGE", created, rate=rate)["id"]
            charge["amount_refunded"] = amount
            charge["refunded"] = amount == charge["amount"]
            keep("refunds", refund)
        elif charges and dispute_every and roll > 1 - 1 / dispute_every:
            charge = charges.pop(rng.randrange(len(charges)))
            dispute = money.dispute_object(store, account, charge, amount=charge["amount"],
                                           reason="fraudulent", created=created)
            rate = _rate_of(charge)
            record = txn(-fx.convert(charge["amount"], charge["currency"], currency, rate), currency,
                         "adjustment", "dispute", dispute["id"],
                         f"Chargeback withdrawal for {charge['id']}", created,
                         fee=money.DISPUTE_FEE, fee_description="Dispute fee", rate=rate)
            dispute["balance_transactions"] = [dict(record)]
            charge["disputed"] = True
            keep("disputes", dispute)
        else:
            charged_in = currency
            if foreign and currency == currencies[0] and rng.random() < FOREIGN_SHARE:
                charged_in = rng.choice(foreign)  # a customer abroad: converted on booking
            low, high = AMOUNTS.get(charged_in, (500, 50_000))
            amount = rng.randint(low, high)
            if charged_in in money.THREE_DECIMAL:
                amount -= amount % 10
            person = rng.choice(people)
            charge = payments.new_charge(store, account, amount=amount, currency=charged_in,
                                         customer=person["id"], pm=None, payment_intent=None,
                                         description=f"Order for {person['name']}", metadata={},
                                         created=created)
            charge["billing_details"]["name"] = person["name"]
            rate = fx.rate(charged_in, currency)
            charge["_exchange_rate"] = None if rate is None else str(rate)
            booked = fx.convert(amount, charged_in, currency, rate)
            charge["balance_transaction"] = txn(
                booked, currency, "charge", "charge", charge["id"], charge["description"],
                created, fee=money.card_fee(booked),
                available_on=created + money.AVAILABILITY_DELAY, rate=rate)["id"]
            keep("charges", charge)
            charges.append(charge)
            if len(charges) > 200:
                charges.pop(0)

    account["customers"].add_many([((c["created"], store.next_seq()), c) for c in people])
    for kind, keyed in out.items():
        account[kind].add_many(keyed)
    # What was never paid out is available or still pending, as of now.
    now = store.now()
    key_of = account["balance_transactions"].key_of
    for currency, entries in waiting.items():
        totals = account.balance.setdefault(currency, {"available": 0, "pending": 0})
        for available_on, record in entries:
            if available_on <= now:
                totals["available"] += record["net"]
                account.unswept.setdefault(currency, []).append(record["id"])
            else:
                record["status"] = "pending"
                totals["pending"] += record["net"]
                heapq.heappush(account.pending_heap,
                               (available_on, key_of[record["id"]][1], record["id"]))
    store.dirty = True
    return {kind: len(keyed) for kind, keyed in out.items()} | {"customers": len(people)}


def _rate_of(charge):
    rate = charge.get("_exchange_rate")
    return None if rate is None else Decimal(rate)


def _payout(store, account, currency, created, end, waiting, txn, keep):
    swept = [record for available_on, record in waiting[currency] if available_on <= created]
    total = sum(record["net"] for record in swept)
    if not swept or total <= 0:
        return
    waiting[currency] = [(a, r) for a, r in waiting[currency] if a > created]
    payout = money.payout_object(store, account, amount=total, currency=currency, created=created)
    if payout["arrival_date"] <= end:
        payout.update(status="paid", reconciliation_status="completed", trace_id=money.trace_id(payout))
    else:
        payout["status"] = "in_transit"
    record = txn(-total, currency, "payout", "payout", payout["id"], "STRIPE PAYOUT", created)
    payout["balance_transaction"] = record["id"]
    account.payout_txns[payout["id"]] = [r["id"] for r in swept] + [record["id"]]
    keep("payouts", payout)


def demo(store, account):
    """A small believable history for an account connected through the OAuth page."""
    seed_account(store, account, balance_transactions=40, months=2,
                 currencies=("usd", "eur", "jpy"), foreign_currencies=("gbp", "cad"), customers=6, refund_every=8,
                 dispute_every=0, payout_every_days=14, seed=len(store.accounts))
