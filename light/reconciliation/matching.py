"""Light matching bank lines by itself: each page of a sync as it arrives, and Re-match over a
whole bank account as a job. Both call `match_lines`, which reads, decides and writes a batch in a
fixed number of queries (a payment it records on an invoice goes through the invoices service, a
few queries each). Lines a person decided, and lines already matched, are never touched."""
from collections import defaultdict

from sqlalchemy import delete, func, insert, or_

from light.banking.models import BankAccount, BankTransaction
from light.extensions import db
from light.plumbing.jobs.queue import active_job, enqueue
from light.plumbing.jobs.runner import report_progress
from light.reconciliation import loading
from light.reconciliation.candidates import Candidates
from light.reconciliation.engine import rematch
from light.reconciliation.models import LIGHT, LineDecision, ReconciliationLink, ReconciliationLogEntry
from light.reconciliation.services import LIGHT_ACTOR, OPEN, claim, link_values, record_payments, settlement_data
from light.reconciliation.values import unmatched
from light.utc import utcnow

BATCH = 2000  # lines a Re-match decides per read of the candidate invoices


def _undecided(query):
    """Lines still open to Light: unmatched or suggested, and not decided by a person."""
    T, D = BankTransaction, LineDecision
    return (query.outerjoin(D, D.bank_transaction_id == T.id)
            .filter(T.match_state.in_(OPEN), or_(D.id.is_(None), D.by_person.is_(False))))


def match_new(organization_id: int, line_ids) -> dict[str, int]:
    """Decide the lines among `line_ids` that Light may still decide (the sync's new lines)."""
    if not line_ids:
        return {}
    rows = _undecided(BankTransaction.query.filter(BankTransaction.organization_id == organization_id,
                                                   BankTransaction.id.in_(list(line_ids)))).all()
    return match_lines(organization_id, rows)


def match_lines(organization_id: int, rows: list[BankTransaction], *, release: bool = False,
                pool: Candidates | None = None) -> dict[str, int]:
    """Decide and write a batch: links claimed by compare-and-set, suggestions and reasons saved,
    every link and suggestion logged; then the payments the links record. Counts per outcome.
    `release`: the rows are the caller's own (Re-match): they leave the session once written.
    `pool`: a Re-match's candidates, read once for all its batches and kept current here."""
    if not rows:
        return {}
    by_id = {row.id: row for row in rows}
    lines = loading.bank_lines(rows)
    invoices, charge_invoices = loading.candidates(organization_id, lines, with_open=pool is None)
    if pool is None:
        pool = Candidates(invoices, organization_id=organization_id)
    else:
        pool.include(invoices)
    pool.charge_invoices.update(charge_invoices)
    decided = rematch(lines, pool, organization_id=organization_id)
    results = _within_invoice_totals([(by_id[line.id], decision) for line, decision in decided], pool.get)
    # A person who decided one of these lines since it was read keeps their decision.
    theirs = {i for (i,) in db.session.query(LineDecision.bank_transaction_id).filter(
        LineDecision.bank_transaction_id.in_(list(by_id)), LineDecision.by_person.is_(True))}
    written, paying, claimed = _write(organization_id, [(row, d) for row, d in results if row.id not in theirs])
    counts = defaultdict(int)
    for _row, decision in written:
        counts[decision.outcome] += 1
    if release:  # each payment recorded commits, and a commit expires all that the session holds
        for line_id, row in by_id.items():
            if line_id not in paying:
                db.session.expunge(row)
    failed = set()
    if paying:
        links = defaultdict(list)
        for link in ReconciliationLink.query.filter(ReconciliationLink.bank_transaction_id.in_(paying)):
            links[link.bank_transaction_id].append(link)
        for line_id, line_links in links.items():
            if not record_payments(by_id[line_id], line_links, LIGHT_ACTOR):
                counts["linked"] -= 1
                counts["unmatched"] += 1
                failed.add(line_id)
    kept = claimed - failed  # the rows expired with the commit: their ids from before it
    _give_back(pool, [(line, d) for line, d in decided if d.outcome == "linked" and line.id not in kept])
    return dict(counts)


def _give_back(pool: Candidates, dropped) -> None:
    """The engine settled these links in the pool, but they were not written (over an invoice's
    total, a person decided first, a payment that could not be recorded): what they took is
    outstanding again for the batches after this one."""
    for line, decision in dropped:
        for settlement in decision.settlements:
            if settlement.effect == "payment" and pool.get(settlement.invoice_id) is not None:
                pool.settle(settlement.invoice_id, -settlement.on_invoice)
        if line.charge and pool.charge_invoices.get(line.charge) in decision.invoice_ids:
            del pool.charge_invoices[line.charge]


def _write(organization_id: int, results):
    """Claim, link, save the decisions and log, in one commit and one statement per table: what
    was written, the lines whose links record a payment on an invoice, and the lines linked."""
    claimed = claim({row.id for row, d in results if d.outcome == "linked"}, OPEN, "matched")
    suggested = claim({row.id for row, d in results if d.outcome == "suggested"}, OPEN, "suggested")
    still_open = claim({row.id for row, d in results if d.outcome == "unmatched"}, OPEN, "unmatched")
    written = [(row, d) for row, d in results if row.id in claimed | suggested | still_open]
    db.session.execute(delete(LineDecision).where(LineDecision.bank_transaction_id.in_([r.id for r, _ in written]),
                                                  LineDecision.by_person.is_(False)))
    links, entries, decisions, now = [], [], [], utcnow()
    for row, decision in written:
        why = ". ".join(decision.reasons)
        decisions.append(dict(organization_id=organization_id, bank_transaction_id=row.id, tier=decision.tier,
                              reasons=list(decision.reasons), by_person=False, user_id=None, decided_at=now,
                              suggestion=settlement_data(decision.settlements)
                              if decision.outcome == "suggested" else None))
        if row.id in claimed:
            links += [link_values(row, s, tier=decision.tier, actor=LIGHT_ACTOR) for s in decision.settlements]
        if decision.outcome != "unmatched":
            action = "linked" if row.id in claimed else "suggested"
            entries += [dict(organization_id=organization_id, bank_transaction_id=row.id, invoice_id=s.invoice_id,
                             action=action, amount=s.amount, user_id=None, who=LIGHT, why=why[:2000], created_at=now)
                        for s in decision.settlements]
    for model, values in ((LineDecision, decisions), (ReconciliationLink, links), (ReconciliationLogEntry, entries)):
        if values:
            db.session.execute(insert(model.__table__), values)  # executemany: one statement
    db.session.commit()
    return written, {link["bank_transaction_id"] for link in links if link["recorded_payment"]}, claimed


def _within_invoice_totals(results, invoice_of):
    """The links already stored on an invoice plus the new ones never exceed its total: a new link
    that would is left unmatched, with why (the engine saw only what was outstanding)."""
    touched = {s.invoice_id for _, d in results if d.outcome == "linked" for s in d.settlements if s.invoice_id}
    if not touched:
        return results
    L = ReconciliationLink
    used = defaultdict(int)
    for invoice_id, effect, amount in db.session.query(
            L.invoice_id, L.effect, func.sum(func.coalesce(L.invoice_amount, L.amount))).filter(
            L.invoice_id.in_(touched)).group_by(L.invoice_id, L.effect):
        used[(invoice_id, "reversal" if effect == "reversal" else "settled")] += int(amount)
    checked = []
    for row, decision in results:
        if decision.outcome == "linked":
            adding = defaultdict(int)
            for s in decision.settlements:
                if s.invoice_id:
                    adding[(s.invoice_id, "reversal" if s.effect == "reversal" else "settled")] += s.on_invoice
            over = [key for key, amount in adding.items() if used[key] + amount > invoice_of(key[0]).total]
            if over:
                label = invoice_of(over[0][0]).label
                decision = unmatched(decision.tier, *decision.reasons,
                                     f"Not linked: the lines already linked to {label} would then exceed its total")
            else:
                for key, amount in adding.items():
                    used[key] += amount
        checked.append((row, decision))
    return checked


# -- Re-match ---------------------------------------------------------------------------------------
def rematch_key(bank_account_id: int) -> str:
    return f"bank-rematch:{bank_account_id}"


def start_rematch(bank_account: BankAccount):
    return enqueue(rematch_job, bank_account.id, kind="bank_rematch", description=f"Re-matching {bank_account.name}",
                   organization_id=bank_account.organization_id, active_key=rematch_key(bank_account.id))


def running_rematch(bank_account: BankAccount):
    return active_job(rematch_key(bank_account.id))


def rematch_account(bank_account_id: int) -> dict[str, int]:
    """Rerun the engine over the account's lines that Light may still decide, oldest first, in
    batches (each batch sees the payments the ones before it recorded). Safe to run twice."""
    account = db.session.get(BankAccount, bank_account_id)
    if account is None:
        return {}
    T = BankTransaction
    ids = [i for (i,) in _undecided(db.session.query(T.id).filter(T.bank_account_id == account.id))
           .order_by(T.created, T.id)]
    # The open invoices are read once, not once a batch: N lines against M invoices costs N + M,
    # not N x M / BATCH. The pool stays current with what each batch links.
    currencies = {currency for (currency,) in db.session.query(T.currency).filter(T.bank_account_id == account.id)
                  .distinct()}
    pool = Candidates(loading.open_invoices(account.organization_id, currencies),
                      organization_id=account.organization_id) if ids else None
    totals = defaultdict(int)
    for start in range(0, len(ids), BATCH):
        rows = T.query.filter(T.id.in_(ids[start:start + BATCH])).order_by(T.created, T.id).all()
        for outcome, count in match_lines(account.organization_id, rows, release=True, pool=pool).items():
            totals[outcome] += count
        report_progress(100 * min(len(ids), start + BATCH) // max(1, len(ids)),
                        f"{min(len(ids), start + BATCH):,} of {len(ids):,} lines")
    return dict(totals)


def rematch_job(bank_account_id: int) -> str:
    counts = rematch_account(bank_account_id)
    return (f"{counts.get('linked', 0):,} matched, {counts.get('suggested', 0):,} suggested, "
            f"{counts.get('unmatched', 0):,} left unmatched")
