"""The engine's plain values: bank lines, open invoices, settlements and the decision on a line.

Money is an integer of minor units plus an ISO currency; an exchange rate is Stripe's decimal
string, read exactly as a Fraction. No floats anywhere.
"""
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from fractions import Fraction

KINDS = ("charge", "refund", "dispute", "fee", "payout", "other")
OUTCOMES = ("linked", "suggested", "unmatched")
TIERS = ("T0", "T1", "T2", "T3", "T4", "T5", "T6", "T7")
# What a settlement does to its invoice: records a payment on it (uses up what is outstanding),
# points at a payment Light already recorded, reverses one (a refund or dispute), or books the
# line to a category with no invoice at all.
EFFECTS = ("payment", "recorded", "reversal", "booking")
CATEGORIES = {"sales": "Sales", "stripe_fees": "Stripe fees", "refunds": "Refunds", "disputes": "Disputes",
              "transfer": "Transfer to bank", "other": "Other"}
_RATE = re.compile(r"\d+(\.\d+)?")


def _require_minor(value, name: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an integer of minor units, not {type(value).__name__}")


@dataclass(frozen=True)
class PayoutComponent:
    """A balance transaction a payout carries: its signed net amount, in the payout's currency."""

    line_id: int | str
    amount: int


@dataclass(frozen=True, kw_only=True)
class BankLine:
    """A bank transaction. `amount` is signed (+ in, - out). `charge` is the charge this line is
    (a charge) or follows (a refund or dispute). A payout's components sum to minus its amount."""

    id: int | str
    kind: str
    amount: int
    currency: str
    created: date
    description: str = ""
    metadata: Mapping[str, str] = field(default_factory=dict, hash=False)
    payment_intent: str | None = None
    charge: str | None = None
    customer: str | None = None
    customer_email: str | None = None
    exchange_rate: str | Fraction | None = None
    payout_components: tuple[PayoutComponent, ...] = ()

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"kind must be one of {', '.join(KINDS)}, not {self.kind!r}")
        _require_minor(self.amount, "amount")
        if isinstance(self.exchange_rate, float):
            raise TypeError("exchange_rate must be a decimal string or a Fraction, never a float")
        object.__setattr__(self, "currency", self.currency.upper())

    @property
    def rate(self) -> Fraction | None:
        """Stripe's exchange_rate: the charge's amount times it is this line's amount."""
        if isinstance(self.exchange_rate, Fraction):
            return self.exchange_rate if self.exchange_rate > 0 else None
        if self.exchange_rate is None or not _RATE.fullmatch(self.exchange_rate.strip()):
            return None
        rate = Fraction(self.exchange_rate.strip())
        return rate if rate > 0 else None


@dataclass(frozen=True, kw_only=True)
class OpenInvoice:
    """An issued invoice the line could settle. A paid one is a candidate too, for the payments
    recorded on it (T1): its `outstanding` is then 0."""

    id: int
    number: str | None
    customer_id: int | None = None
    customer_emails: tuple[str, ...] = ()
    stripe_customer_id: str | None = None
    currency: str
    total: int
    outstanding: int
    issue_date: date
    due_date: date
    payment_intent_ids: tuple[str, ...] = ()
    organization_id: int

    def __post_init__(self):
        _require_minor(self.total, "total")
        _require_minor(self.outstanding, "outstanding")
        if not 0 <= self.outstanding <= self.total:
            raise ValueError(f"outstanding {self.outstanding} must be between 0 and the total {self.total}")
        object.__setattr__(self, "currency", self.currency.upper())

    @property
    def label(self) -> str:
        return self.number or f"invoice #{self.id}"


@dataclass(frozen=True, kw_only=True)
class Settlement:
    """Part of a line given to an invoice or a category. `amount` is in the line's currency;
    `invoice_amount` in the invoice's, when the two differ (T1 with Stripe's exchange rate)."""

    amount: int
    invoice_id: int | None = None
    category: str = "sales"
    effect: str = "payment"
    invoice_amount: int | None = None

    def __post_init__(self):
        _require_minor(self.amount, "amount")
        if self.amount <= 0 or (self.invoice_amount is not None and self.invoice_amount <= 0):
            raise ValueError("a settlement's amounts are positive")
        if self.effect not in EFFECTS or self.category not in CATEGORIES:
            raise ValueError(f"unknown effect {self.effect!r} or category {self.category!r}")
        if (self.invoice_id is None) != (self.effect == "booking"):
            raise ValueError("an invoice settlement names its invoice; a booking names only its category")

    @property
    def on_invoice(self) -> int:
        return self.amount if self.invoice_amount is None else self.invoice_amount


@dataclass(frozen=True)
class Decision:
    """What the engine made of one line, and why, in words a person can read."""

    outcome: str
    tier: str | None
    settlements: tuple[Settlement, ...] = ()
    reasons: tuple[str, ...] = ()

    def __post_init__(self):
        if self.outcome not in OUTCOMES or (self.tier is not None and self.tier not in TIERS):
            raise ValueError(f"unknown outcome {self.outcome!r} or tier {self.tier!r}")
        if (self.outcome == "unmatched") != (not self.settlements):
            raise ValueError("a link or suggestion carries settlements; an unmatched line none")

    @property
    def invoice_ids(self) -> tuple[int, ...]:
        return tuple(s.invoice_id for s in self.settlements if s.invoice_id is not None)


def linked(tier: str, settlements, *reasons: str) -> Decision:
    return Decision("linked", tier, tuple(settlements), tuple(reasons))


def suggested(tier: str, settlements, *reasons: str) -> Decision:
    return Decision("suggested", tier, tuple(settlements), tuple(reasons))


def unmatched(tier: str | None, *reasons: str) -> Decision:
    return Decision("unmatched", tier, (), tuple(reasons))
