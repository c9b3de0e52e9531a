"""Bank Reconciliation's use cases: Light matching lines (the sync, Re-match) and people accepting,
declining, matching, unmatching and excluding them. Plain values in, commit, domain errors out.

Every change to a line's state is a compare-and-set on `BankTransaction.match_state` (an UPDATE
naming the state it expects), so of two people matching one line at once, one wins and the other
is told; nothing is linked twice. A link that settles an invoice records the payment through the
invoices service (`settle`, within what is due), and Unmatch reverses exactly that payment.
"""
import uuid
from dataclasses import dataclass

from sqlalchemy import func, update

from light.banking.models import BankTransaction
from light.errors import InvalidInput, Refused
from light.extensions import db
from light.invoices import services as invoices
from light.invoices.models import OPEN_STATUSES, Invoice, InvoiceEvent
from light.money import format_amount
from light.reconciliation.models import LIGHT, LineDecision, ReconciliationLink, ReconciliationLogEntry
from light.reconciliation.values import CATEGORIES, Settlement
from light.utc import utcnow

OPEN = ("unmatched", "suggested")
REFUND_CATEGORIES = {"refund": "refunds", "dispute": "disputes"}  # the bank line's category -> the link's


def refunds_an_invoice(line: BankTransaction) -> bool:
    """Money out that gives a payment back (a refund, a dispute) is matched to the invoice it paid."""
    return line.amount < 0 and line.category in REFUND_CATEGORIES


@dataclass(frozen=True)
class Actor:
    """Who did it: a person (their user id and name) or Light."""

    user_id: int | None = None
    name: str = LIGHT

    @classmethod
    def of(cls, user) -> "Actor":
        return cls(user.id, user.name)


LIGHT_ACTOR = Actor()


class Conflict(Refused):
    """The line is no longer in the state the action expected (someone else acted first)."""


# -- writing what was decided ----------------------------------------------------------------------
def claim(line_ids, expected, new_state: str) -> set[int]:
    """Move the lines still in one of the `expected` states to `new_state`: the ids it moved."""
    if not line_ids:
        return set()
    statement = (update(BankTransaction).where(BankTransaction.id.in_(list(line_ids)),
                                               BankTransaction.match_state.in_(expected))
                 .values(match_state=new_state).returning(BankTransaction.id)
                 .execution_options(synchronize_session=False))
    return {row[0] for row in db.session.execute(statement)}


def settlement_data(settlements) -> list[dict]:
    return [{"amount": s.amount, "invoice_id": s.invoice_id, "category": s.category, "effect": s.effect,
             "invoice_amount": s.invoice_amount} for s in settlements]


def settlements_from(data) -> list[Settlement]:
    return [Settlement(**item) for item in data or ()]


def link_values(line: BankTransaction, s: Settlement, *, tier: str | None, actor: Actor, fresh_ref=False) -> dict:
    """One link's row. A link that pays an invoice names the payment it records there: the line's
    Stripe payment intent when it has one, the ref Light's own webhook records that payment under,
    so whichever comes first records it and the other finds it recorded; otherwise (or once that
    ref was used and reversed: `fresh_ref`) a ref of its own."""
    pays = s.effect == "payment"
    ref = None
    if pays:
        ref = line.payment_intent_id if line.payment_intent_id and not fresh_ref else \
            f"bank-{line.id}-{uuid.uuid4().hex[:16]}"
    return dict(organization_id=line.organization_id, bank_transaction_id=line.id, invoice_id=s.invoice_id,
                category=s.category, effect=s.effect, amount=s.amount, invoice_amount=s.invoice_amount,
                recorded_payment=pays, payment_ref=ref, tier=tier, user_id=actor.user_id, created_at=utcnow())


def _ref_used(line: BankTransaction, settlements) -> bool:
    """The line's payment intent already names a payment on one of these invoices (recorded, and
    perhaps reversed by an Unmatch): a new link records under a ref of its own."""
    ids = [s.invoice_id for s in settlements if s.effect == "payment"]
    if not line.payment_intent_id or not ids:
        return False
    return db.session.query(InvoiceEvent.query.filter(
        InvoiceEvent.invoice_id.in_(ids), InvoiceEvent.kind.in_(("payment", "payment_reversed")),
        InvoiceEvent.ref == line.payment_intent_id).exists()).scalar()


def log(line: BankTransaction, action: str, actor: Actor, why: str = "", *, invoice_id=None, amount=None):
    db.session.add(ReconciliationLogEntry(organization_id=line.organization_id, bank_transaction_id=line.id,
                                          invoice_id=invoice_id, action=action, amount=amount,
                                          user_id=actor.user_id, who=actor.name, why=why[:2000]))


def set_decision(line: BankTransaction, *, tier=None, reasons=(), suggestion=None, actor: Actor) -> None:
    """The line's one decision row, rewritten (a person's decision marks it as theirs)."""
    decision = LineDecision.query.filter_by(bank_transaction_id=line.id).one_or_none()
    if decision is None:
        decision = LineDecision(organization_id=line.organization_id, bank_transaction_id=line.id)
        db.session.add(decision)
    decision.tier, decision.reasons, decision.suggestion = tier, list(reasons), suggestion
    decision.by_person, decision.user_id, decision.decided_at = actor.user_id is not None, actor.user_id, utcnow()


def record_payments(line: BankTransaction, links: list[ReconciliationLink], actor: Actor) -> bool:
    """Record the payments the links make on their invoices, through the invoices service. When
    one can't be recorded (the invoice was paid or voided meanwhile), the line is unmatched again
    and the payments already recorded for it are reversed: all or nothing."""
    for link in links:
        if not link.recorded_payment:
            continue
        amount = format_amount(link.on_invoice, link.invoice.currency if link.invoice else line.currency)
        who = f"matched by {actor.name}" if actor.user_id else f"matched by Light ({link.tier})"
        if invoices.settle(link.invoice_id, amount=link.on_invoice, ref=link.payment_ref, within_due=True,
                           message=f"Paid {amount}: bank line {line.stripe_id}, {who}."):
            continue
        if _recorded_meanwhile(link):
            continue
        label = link.invoice.display_number if link.invoice else f"invoice #{link.invoice_id}"
        _undo(line, f"Not linked: {label} could not take {amount} (paid or voided meanwhile)")
        return False
    return True


def _recorded_meanwhile(link: ReconciliationLink) -> bool:
    """Light's webhook recorded this very payment (same payment intent) first: the link points at
    that payment instead of recording it again, and Unmatch will leave it alone."""
    if not (link.payment_ref or "").startswith("pi_"):
        return False
    if not InvoiceEvent.query.filter_by(invoice_id=link.invoice_id, kind="payment", ref=link.payment_ref).count():
        return False
    ReconciliationLink.query.filter_by(id=link.id).update({"recorded_payment": False, "effect": "recorded"})
    db.session.commit()
    return True


def _undo(line: BankTransaction, why: str) -> None:
    db.session.refresh(line)
    try:
        reverse_links(line, LIGHT_ACTOR, why, state_from=("matched",))
    except Conflict:  # someone unmatched it first: what they did stands
        db.session.rollback()


def reverse_links(line: BankTransaction, actor: Actor, why: str, *, state_from=("matched",)) -> list:
    """Unlink the line: back to unmatched, its links gone, the payments they recorded reversed."""
    if not claim([line.id], state_from, "unmatched"):
        raise Conflict("This line is not matched any more: nothing to unmatch.")
    links = ReconciliationLink.query.filter_by(bank_transaction_id=line.id).all()
    reversals = [(link.invoice_id, link.on_invoice, link.payment_ref) for link in links if link.recorded_payment]
    for link in links:
        log(line, "unmatched", actor, why, invoice_id=link.invoice_id, amount=link.amount)
        db.session.delete(link)
    set_decision(line, reasons=[why], actor=actor)
    db.session.commit()
    for invoice_id, amount, ref in reversals:
        invoice = db.session.get(Invoice, invoice_id)
        invoices.reverse_payment(invoice_id, amount=amount, ref=ref,
                                 message=f"Payment of {format_amount(amount, invoice.currency)} reversed: bank line "
                                         f"{line.stripe_id} unmatched by {actor.name}.")
    return links


def link_line(line: BankTransaction, settlements, *, tier: str | None, actor: Actor, action: str, why: str,
              expected=OPEN) -> list[ReconciliationLink]:
    """Claim the line and link it: one match, however many ask at once."""
    if not claim([line.id], expected, "matched"):
        db.session.rollback()
        raise Conflict("Someone matched or changed this line meanwhile: reload to see what it is now.")
    fresh = _ref_used(line, settlements)
    links = [ReconciliationLink(**link_values(line, s, tier=tier, actor=actor, fresh_ref=fresh)) for s in settlements]
    db.session.add_all(links)
    for link in links:
        log(line, action, actor, why, invoice_id=link.invoice_id, amount=link.amount)
    set_decision(line, tier=tier, reasons=[why], actor=actor)
    db.session.commit()
    if not record_payments(line, links, actor):
        raise Conflict("An invoice was paid or voided meanwhile: the line is unmatched again.")
    return links


# -- what people do -------------------------------------------------------------------------------
def _line(organization_id: int, line_id: int) -> BankTransaction:
    line = BankTransaction.query.filter_by(id=line_id, organization_id=organization_id).one_or_none()
    if line is None:
        raise LookupError(line_id)
    return line


def decision_of(line: BankTransaction) -> LineDecision | None:
    return LineDecision.query.filter_by(bank_transaction_id=line.id).one_or_none()


def accept(organization_id: int, line_id: int, actor: Actor) -> list[ReconciliationLink]:
    line = _line(organization_id, line_id)
    decision = decision_of(line)
    if line.match_state != "suggested" or decision is None or not decision.suggestion:
        raise Conflict("This line has no suggestion to accept any more.")
    settlements = settlements_from(decision.suggestion)
    check_invoices(line, [(s.invoice_id, s.on_invoice) for s in settlements if s.effect == "payment"], field="accept")
    why = "Accepted the suggestion: " + ". ".join(decision.reasons or ())
    return link_line(line, settlements, tier=decision.tier, actor=actor, action="accepted", why=why,
                     expected=("suggested",))


def decline(organization_id: int, line_id: int, actor: Actor) -> None:
    line = _line(organization_id, line_id)
    decision = decision_of(line)
    if not claim([line.id], ("suggested",), "unmatched"):
        db.session.rollback()
        raise Conflict("This line has no suggestion to decline any more.")
    suggested = ". ".join(decision.reasons) if decision else ""
    why = f"Declined by {actor.name}" + (f": the suggestion was {suggested}" if suggested else "")
    log(line, "declined", actor, why)
    set_decision(line, tier=decision.tier if decision else None, reasons=[why], actor=actor)
    db.session.commit()


def exclude(organization_id: int, line_id: int, actor: Actor) -> None:
    line = _line(organization_id, line_id)
    if not claim([line.id], OPEN, "excluded"):
        db.session.rollback()
        raise Conflict("Only an unmatched or suggested line can be excluded: unmatch it first.")
    why = f"Excluded from reconciliation by {actor.name}"
    log(line, "excluded", actor, why)
    set_decision(line, reasons=[why], actor=actor)
    db.session.commit()


def include(organization_id: int, line_id: int, actor: Actor) -> None:
    line = _line(organization_id, line_id)
    if not claim([line.id], ("excluded",), "unmatched"):
        db.session.rollback()
        raise Conflict("This line is not excluded.")
    why = f"Included again by {actor.name}"
    log(line, "included", actor, why)
    set_decision(line, reasons=[why], actor=actor)
    db.session.commit()


def unmatch(organization_id: int, line_id: int, actor: Actor) -> None:
    line = _line(organization_id, line_id)
    reverse_links(line, actor, f"Unmatched by {actor.name}")


@dataclass(frozen=True)
class Allocation:
    """One invoice chosen in Manual match, and how much of the line goes to it (line currency)."""

    invoice_id: int
    amount: int


def check_invoices(line: BankTransaction, amounts, *, field: str) -> dict[int, Invoice]:
    """Each (invoice id, amount): the organization's open invoice in the line's currency with at
    least that much due. Raises InvalidInput naming `field` (or the invoice's own field)."""
    ids = [invoice_id for invoice_id, _ in amounts]
    found = {i.id: i for i in Invoice.query.filter(Invoice.organization_id == line.organization_id,
                                                    Invoice.id.in_(ids or [-1]))}
    errors = {}
    for invoice_id, amount in amounts:
        invoice, key = found.get(invoice_id), f"amount-{invoice_id}"
        if invoice is None:
            errors[field] = "That invoice is not one of yours."
        elif invoice.status not in OPEN_STATUSES:
            errors[key] = f"{invoice.display_number} is {invoice.status_label.lower()}: nothing is due on it."
        elif invoice.currency != line.currency:
            errors[key] = f"{invoice.display_number} is in {invoice.currency}, the line in {line.currency}."
        elif amount > invoice.amount_due:
            errors[key] = (f"That is more than the {format_amount(invoice.amount_due, invoice.currency)} "
                           f"due on {invoice.display_number}.")
    if errors:
        raise InvalidInput(errors)
    return found


def match(organization_id: int, line_id: int, actor: Actor, *, allocations: list[Allocation] = (),
          category: str | None = None) -> list[ReconciliationLink]:
    """Manual match: to one or several invoices (each with its amount), or to a category."""
    line = _line(organization_id, line_id)
    if line.match_state not in OPEN:
        raise Conflict("This line is matched or excluded already: unmatch it first.")
    room = abs(line.amount)
    if category:
        if category not in CATEGORIES:
            raise InvalidInput({"category": "Choose a category from the list."})
        settlements = [Settlement(amount=room, category=category, effect="booking")]
        why = f"Booked to {CATEGORIES[category]} by {actor.name}"
        return link_line(line, settlements, tier=None, actor=actor, action="matched", why=why)
    if not allocations:
        raise InvalidInput({"invoices": "Choose an invoice, or a category."})
    if line.amount <= 0 and not refunds_an_invoice(line):
        raise InvalidInput({"invoices": "Money out is booked to a category, not to an invoice."})
    if len({a.invoice_id for a in allocations}) != len(allocations):
        raise InvalidInput({"invoices": "Choose each invoice once."})
    errors = {f"amount-{a.invoice_id}": "Enter an amount above zero." for a in allocations if a.amount <= 0}
    if errors:
        raise InvalidInput(errors)
    total = sum(a.amount for a in allocations)
    if total > room:
        raise InvalidInput({"invoices": f"That is {format_amount(total, line.currency)}, more than the "
                                        f"{format_amount(room, line.currency)} of this line."})
    if refunds_an_invoice(line):
        found = check_refunded(line, [(a.invoice_id, a.amount) for a in allocations], field="invoices")
        # Like a refund Light follows to its charge (T1): the link says which invoice it gave money
        # back on; the invoice's own refund is recorded where the refund was made, not here.
        settlements = [Settlement(amount=a.amount, invoice_id=a.invoice_id, effect="reversal",
                                  category=REFUND_CATEGORIES[line.category]) for a in allocations]
        what = "the refund of" if line.category == "refund" else "the dispute of"
    else:
        found = check_invoices(line, [(a.invoice_id, a.amount) for a in allocations], field="invoices")
        settlements = [Settlement(amount=a.amount, invoice_id=a.invoice_id) for a in allocations]
        what = ""
    names = ", ".join(f"{found[a.invoice_id].display_number} ({format_amount(a.amount, line.currency)})"
                      for a in allocations)
    why = f"Matched as {what} {names} by {actor.name}" if what else f"Matched to {names} by {actor.name}"
    return link_line(line, settlements, tier=None, actor=actor, action="matched", why=why)


def check_refunded(line: BankTransaction, amounts, *, field: str) -> dict[int, Invoice]:
    """Each (invoice id, amount): the organization's invoice in the line's currency, paid at least
    that much more than the refunds and disputes already matched to it. Raises InvalidInput."""
    ids = [invoice_id for invoice_id, _ in amounts]
    found = {i.id: i for i in Invoice.query.filter(Invoice.organization_id == line.organization_id,
                                                    Invoice.id.in_(ids or [-1]))}
    L = ReconciliationLink
    given_back = dict(db.session.query(L.invoice_id, func.sum(func.coalesce(L.invoice_amount, L.amount)))
                      .filter(L.organization_id == line.organization_id, L.invoice_id.in_(ids or [-1]),
                              L.effect == "reversal").group_by(L.invoice_id))
    errors = {}
    for invoice_id, amount in amounts:
        invoice, key = found.get(invoice_id), f"amount-{invoice_id}"
        if invoice is None:
            errors[field] = "That invoice is not one of yours."
            continue
        room = invoice.amount_paid - int(given_back.get(invoice_id) or 0)
        if invoice.currency != line.currency:
            errors[key] = f"{invoice.display_number} is in {invoice.currency}, the line in {line.currency}."
        elif amount > room:
            errors[key] = (f"That is more than the {format_amount(max(room, 0), invoice.currency)} paid on "
                           f"{invoice.display_number} and not yet given back.")
    if errors:
        raise InvalidInput(errors)
    return found


def bulk_accept(organization_id: int, line_ids, actor: Actor) -> tuple[int, list[str]]:
    """Accept each suggestion; the ones that can't be accepted say why."""
    accepted, problems = 0, []
    for line_id in line_ids:
        try:
            accept(organization_id, line_id, actor)
            accepted += 1
        except (Refused, InvalidInput, LookupError) as exc:
            db.session.rollback()
            message = exc.message if isinstance(exc, Refused) else (
                " ".join(exc.errors.values()) if isinstance(exc, InvalidInput) else "Not found.")
            problems.append(message)
    return accepted, problems
