"""Deposits on bank statements matched to the Stripe payouts they carry: Light linking and
suggesting (after each import and each Stripe sync, and from `flask rematch`), and people
accepting, declining and unmatching. Every one of these goes into the reconciliation log.
Plain values in, commit, Refused out; the deciding itself is pure (light/statements/deposits.py)."""
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from light.auth.models import User
from light.banking.models import BankPayout
from light.errors import Refused
from light.extensions import db
from light.reconciliation.models import LIGHT, ReconciliationLogEntry
from light.statements import deposits
from light.statements.models import DepositSuggestion, PayoutDeposit, StatementAccount, StatementLine
from light.utc import utcnow

CHUNK = 500  # ids per IN (...): well under every database's parameter limit
CLOSED_PAYOUTS = ("failed", "canceled")
DEPOSIT_LOCK = 10010  # advisory lock namespace: matching an organization's deposits, one run at a time


def _trace_id(payout: BankPayout) -> str | None:
    # The bank feed may not record a payout's trace id (yet); use it where the column exists.
    return getattr(payout, "trace_id", None) or None


def match_organization(organization_id: int) -> dict:
    """Match the deposits of every bank account of the organization: after each Stripe sync (a
    payout may have arrived for a deposit imported earlier), and from `flask rematch`. Safe to run
    twice: what is linked stays, a suggestion is not made twice."""
    totals = {"linked": 0, "suggested": 0}
    for account in (StatementAccount.query.filter_by(organization_id=organization_id)
                    .order_by(StatementAccount.id).all()):
        for outcome, count in match_deposits(account).items():
            totals[outcome] += count
    return totals


def _one_at_a_time(organization_id: int) -> None:
    """Two runs for one organization (a sync's and an import's) take turns until the commit, so the
    second sees the first's links instead of tripping over them. SQLite has one writer anyway."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SELECT pg_advisory_xact_lock(:space, :org)"),
                           {"space": DEPOSIT_LOCK, "org": organization_id})


def match_deposits(account: StatementAccount) -> dict:
    """Link each deposit of the account that carries exactly one Stripe payout, and suggest the
    rest that fit. Never touches a link, nor links a pair a person unmatched, nor suggests again a
    pair a person declined. Each new link and suggestion goes into the reconciliation log. Commits."""
    _one_at_a_time(account.organization_id)
    linked_lines = db.session.query(PayoutDeposit.statement_line_id).filter(
        PayoutDeposit.organization_id == account.organization_id)
    L = StatementLine
    rows = (db.session.query(L.id, L.date, L.amount, L.currency, L.description, L.reference)
            .filter(L.account_id == account.id, L.amount > 0, L.id.not_in(linked_lines)).all())
    found = [deposits.Deposit(r.id, r.date, r.amount, r.currency, f"{r.description} {r.reference}") for r in rows]
    payouts = _open_payouts(account, {d.amount for d in found})
    held = {(s.statement_line_id, s.payout_id): "declined" if s.declined_by_id else "unmatched"
            for s in DepositSuggestion.query.filter(
                DepositSuggestion.organization_id == account.organization_id,
                DepositSuggestion.unmatched_by_id.isnot(None) | DepositSuggestion.declined_by_id.isnot(None))}
    decisions = deposits.decide(found, payouts)
    amounts = {d.id: d.amount for d in found}
    counts = {"linked": 0, "suggested": 0}
    try:
        _apply(account, decisions, held, amounts, counts)
        db.session.commit()
    except IntegrityError:  # a person (or another import) linked one of these a moment ago: theirs stands
        db.session.rollback()
        counts = {"linked": 0, "suggested": 0}
    return counts


def _apply(account: StatementAccount, decisions: list, held: dict, amounts: dict, counts: dict) -> None:
    now, org = utcnow(), account.organization_id
    for decision in decisions:
        line_id = decision.deposit_id
        if decision.outcome == "link" and (line_id, decision.payout_ids[0]) not in held:
            payout_id = decision.payout_ids[0]
            db.session.add(PayoutDeposit(organization_id=org, statement_line_id=line_id, payout_id=payout_id,
                                         reason=decision.reason[:500], linked_at=now))
            _drop_suggestions(line_id, payout_id)
            log(org, line_id, payout_id, "linked", amounts[line_id], None, decision.reason)
            counts["linked"] += 1
        elif decision.payout_ids:
            added = _suggest(org, decision, held)
            for payout_id in added:
                log(org, line_id, payout_id, "suggested", amounts[line_id], None, decision.reason)
            if any(held.get((line_id, p)) != "declined" for p in decision.payout_ids):
                counts["suggested"] += 1


def log(organization_id: int, line_id: int, payout_id: int | None, action: str, amount: int, user_id: int | None,
        why: str) -> None:
    """A deposit's entry in the reconciliation log, beside the Stripe lines' (who: the person, or Light)."""
    who = db.session.get(User, user_id).name if user_id else LIGHT
    db.session.add(ReconciliationLogEntry(organization_id=organization_id, statement_line_id=line_id,
                                          payout_id=payout_id, action=action, amount=amount, user_id=user_id,
                                          who=who, why=why[:2000]))


def _open_payouts(account: StatementAccount, amounts: set[int]) -> list[deposits.Payout]:
    """Payouts in the account's currency, of one of `amounts`, not closed and not linked yet."""
    if not amounts:
        return []
    linked = db.session.query(PayoutDeposit.payout_id).filter(PayoutDeposit.organization_id == account.organization_id)
    found, amounts = [], sorted(amounts)
    for start in range(0, len(amounts), CHUNK):
        query = BankPayout.query.filter(BankPayout.organization_id == account.organization_id,
                                        BankPayout.currency == account.currency.upper(),
                                        BankPayout.amount.in_(amounts[start:start + CHUNK]),
                                        BankPayout.arrival_date.isnot(None), BankPayout.id.not_in(linked))
        found += [deposits.Payout(p.id, p.stripe_id, p.amount, p.currency, p.arrival_date.date(), _trace_id(p))
                  for p in query if p.status not in CLOSED_PAYOUTS]
    return found


def _suggest(organization_id: int, decision: deposits.Decision, held: dict) -> list[int]:
    """The decision's payouts as the deposit's suggestions (a declined pair stays declined): the ones added."""
    current = {s.payout_id: s for s in DepositSuggestion.query.filter_by(statement_line_id=decision.deposit_id)}
    for payout_id, suggestion in current.items():
        if payout_id not in decision.payout_ids and (decision.deposit_id, payout_id) not in held:
            db.session.delete(suggestion)
    added = [payout_id for payout_id in decision.payout_ids if payout_id not in current]
    for payout_id in added:
        db.session.add(DepositSuggestion(organization_id=organization_id, statement_line_id=decision.deposit_id,
                                         payout_id=payout_id, reason=decision.reason[:500]))
    return added


def _drop_suggestions(line_id: int, payout_id: int) -> None:
    # A declined pair is kept: once the deposit is unmatched again, Light still won't suggest it.
    DepositSuggestion.query.filter((DepositSuggestion.statement_line_id == line_id)
                                   | (DepositSuggestion.payout_id == payout_id),
                                   DepositSuggestion.declined_by_id.is_(None)).delete(synchronize_session=False)


def _open_suggestion(line: StatementLine, payout_id: int) -> DepositSuggestion:
    suggestion = DepositSuggestion.query.filter_by(organization_id=line.organization_id, statement_line_id=line.id,
                                                   payout_id=payout_id, declined_by_id=None).one_or_none()
    if suggestion is None:
        raise Refused("That suggestion is no longer open: the page was out of date.")
    return suggestion


def accept(line: StatementLine, payout_id: int, user_id: int) -> PayoutDeposit:
    """A person accepts a suggested payout for a deposit."""
    suggestion = _open_suggestion(line, payout_id)
    if PayoutDeposit.query.filter((PayoutDeposit.statement_line_id == line.id)
                                  | (PayoutDeposit.payout_id == payout_id)).first():
        raise Refused("This deposit or that payout was matched a moment ago.")
    link = PayoutDeposit(organization_id=line.organization_id, statement_line_id=line.id, payout_id=payout_id,
                         linked_by_id=user_id, reason=suggestion.reason)
    try:  # the unique link columns decide between two people accepting at once
        db.session.add(link)
        db.session.flush()
        _drop_suggestions(line.id, payout_id)
        log(line.organization_id, line.id, payout_id, "accepted", line.amount, user_id,
            f"Accepted the suggestion: {suggestion.reason}")
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise Refused("This deposit or that payout was matched a moment ago.") from None
    return link


def decline(line: StatementLine, payout_id: int, user_id: int) -> None:
    """A person declines a suggested payout for a deposit: it goes away, and Light never suggests
    (nor links) that pair again. The deposit's other suggestions stay."""
    suggestion = _open_suggestion(line, payout_id)
    claimed = DepositSuggestion.query.filter_by(id=suggestion.id, declined_by_id=None).update(
        {"declined_by_id": user_id}, synchronize_session=False)
    if not claimed:  # someone declined it a moment ago: once is enough
        db.session.rollback()
        raise Refused("That suggestion is no longer open: the page was out of date.")
    payout = db.session.get(BankPayout, payout_id)
    log(line.organization_id, line.id, payout_id, "declined", line.amount, user_id,
        f"Declined payout {payout.stripe_id}: the suggestion was {suggestion.reason}")
    db.session.commit()


def unmatch(line: StatementLine, user_id: int) -> None:
    """Undo a deposit's link; the pair stays as a suggestion, which Light won't link by itself again."""
    link = PayoutDeposit.query.filter_by(organization_id=line.organization_id, statement_line_id=line.id).one_or_none()
    if link is None:
        raise Refused("This deposit is not matched to a payout.")
    payout_id, reason = link.payout_id, link.reason
    db.session.delete(link)
    db.session.flush()
    suggestion = DepositSuggestion.query.filter_by(statement_line_id=line.id, payout_id=payout_id).one_or_none()
    if suggestion is None:
        suggestion = DepositSuggestion(organization_id=line.organization_id, statement_line_id=line.id,
                                       payout_id=payout_id, reason=reason)
        db.session.add(suggestion)
    suggestion.unmatched_by_id = user_id
    payout = db.session.get(BankPayout, payout_id)
    log(line.organization_id, line.id, payout_id, "unmatched", line.amount, user_id,
        f"Unmatched from payout {payout.stripe_id}; it stays a suggestion Light won't link by itself again")
    db.session.commit()
