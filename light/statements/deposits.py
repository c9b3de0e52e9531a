"""Which Stripe payout a bank deposit carries: pure logic on plain values, no Flask or database.

A deposit fits a payout when the amount and currency are the same, the bank's date falls between
one business day before the payout's arrival and three after (banks book a day early or late, and
weekends don't count), and the text names Stripe ("STRIPE", any case) or the payout's trace id.
One fitting payout that no other deposit also fits links by itself; anything else is a question,
so it is suggested for a person to Accept."""
from dataclasses import dataclass
from datetime import date, timedelta

DAYS_BEFORE, DAYS_AFTER = 1, 3
NO_PAYOUT = "No Stripe payout of this amount arrived around this date."


@dataclass(frozen=True)
class Deposit:
    id: int
    date: date
    amount: int
    currency: str
    text: str  # description and reference, as the bank wrote them


@dataclass(frozen=True)
class Payout:
    id: int
    stripe_id: str
    amount: int
    currency: str
    arrival: date
    trace_id: str | None = None


@dataclass(frozen=True)
class Decision:
    deposit_id: int
    outcome: str  # "link" | "suggest" | "none"
    payout_ids: tuple[int, ...]
    reason: str


def shift_business_days(day: date, count: int) -> date:
    """`day` moved by `count` business days (Monday to Friday); a weekend day moves to the next or
    previous weekday first, so Saturday -1 is Friday and Saturday +3 is Wednesday."""
    step = 1 if count >= 0 else -1
    remaining = abs(count)
    current = day
    while current.weekday() >= 5 and remaining:  # a weekend arrival: the first step lands on a weekday
        current += timedelta(days=step)
        if current.weekday() < 5:
            remaining -= 1
    while remaining:
        current += timedelta(days=step)
        if current.weekday() < 5:
            remaining -= 1
    return current


def window(arrival: date) -> tuple[date, date]:
    return shift_business_days(arrival, -DAYS_BEFORE), shift_business_days(arrival, DAYS_AFTER)


def names_the_payout(deposit: Deposit, payout: Payout) -> str | None:
    """What in the deposit's text points at Stripe, or None."""
    text = deposit.text.upper()
    if payout.trace_id and payout.trace_id.upper() in text:
        return f"its trace id {payout.trace_id}"
    if "STRIPE" in text:
        return '"STRIPE"'
    return None


def fits(deposit: Deposit, payout: Payout) -> bool:
    if deposit.amount <= 0 or deposit.amount != payout.amount or deposit.currency.upper() != payout.currency.upper():
        return False
    start, end = window(payout.arrival)
    return start <= deposit.date <= end and names_the_payout(deposit, payout) is not None


def decide(deposits: list[Deposit], payouts: list[Payout]) -> list[Decision]:
    """A decision for every deposit. Ambiguity in either direction (several payouts fit one deposit,
    or several deposits fit one payout) never links."""
    by_amount: dict[tuple[int, str], list[Payout]] = {}
    for p in payouts:
        by_amount.setdefault((p.amount, p.currency.upper()), []).append(p)
    candidates = {d.id: [p for p in by_amount.get((d.amount, d.currency.upper()), ()) if fits(d, p)]
                  for d in deposits}
    contenders: dict[int, int] = {}
    for fitting in candidates.values():
        for p in fitting:
            contenders[p.id] = contenders.get(p.id, 0) + 1
    decisions = []
    for deposit in deposits:
        fitting = candidates[deposit.id]
        if not fitting:
            decisions.append(Decision(deposit.id, "none", (), NO_PAYOUT))
        elif len(fitting) == 1 and contenders[fitting[0].id] == 1:
            decisions.append(Decision(deposit.id, "link", (fitting[0].id,), explain(deposit, fitting[0])))
        elif len(fitting) == 1:
            decisions.append(Decision(deposit.id, "suggest", (fitting[0].id,),
                                      explain(deposit, fitting[0]) + " Another deposit fits this payout too."))
        else:
            decisions.append(Decision(deposit.id, "suggest", tuple(p.id for p in fitting),
                                      f"{len(fitting)} Stripe payouts of this amount arrived around this date."))
    return decisions


def explain(deposit: Deposit, payout: Payout) -> str:
    days = business_days_between(payout.arrival, deposit.date)
    when = ("on its arrival date" if days == 0 else
            f"{abs(days)} business day{'s' if abs(days) != 1 else ''} {'after' if days > 0 else 'before'} its arrival")
    return (f"Same amount and currency as payout {payout.stripe_id}, booked {when}, "
            f"and the text names {names_the_payout(deposit, payout)}.")


def business_days_between(start: date, end: date) -> int:
    """Weekdays from `start` to `end` (negative when `end` is earlier)."""
    if end == start:
        return 0
    step = 1 if end > start else -1
    count, current = 0, start
    while current != end:
        current += timedelta(days=step)
        if current.weekday() < 5:
            count += step
    return count
