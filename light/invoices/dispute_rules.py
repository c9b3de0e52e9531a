"""What a dispute does to an invoice's status, on plain values.

charge.dispute.created makes a paid invoice Disputed: Stripe has taken the money back until the
bank decides. charge.dispute.closed ends it: won (or an inquiry closed without a dispute,
`warning_closed`) puts the invoice back as its payments and credit notes say (Paid, Partly
refunded...); lost makes it "Dispute lost", kept apart from Refunded because no refund or credit
note gave the money back: the bank did, and the team may want to chase the customer."""
from light.invoices import credit_rules

# Stripe collected it (in full or in part): what a dispute can be about.
DISPUTABLE = credit_rules.SETTLED + ("partially_paid",)
CLOSED_OUTCOMES = ("won", "lost", "warning_closed")


def status_after_close(outcome: str, *, status: str, paid: int, total: int, credited: int) -> str:
    """The invoice's status once Stripe closed its dispute with `outcome` (one of CLOSED_OUTCOMES).
    A closing that arrives before its opening (events come out of order) finds the invoice not yet
    Disputed: a won dispute leaves it as it is, a lost one still marks it lost."""
    if status not in DISPUTABLE + ("disputed",):
        return status  # void, or lost already
    if outcome == "lost":
        return "dispute_lost"
    if status != "disputed":
        return status
    if paid < total:
        return "partially_paid"
    return credit_rules.status_after("paid", paid=paid, credited=credited)
