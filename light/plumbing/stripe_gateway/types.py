"""What Light's Stripe gateway returns and raises: Light's own frozen dataclasses and errors.

No `stripe` import here: routes, jobs, services and tests may use these freely.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from light.errors import Refused


# -- errors -------------------------------------------------------------------------------------
class GatewayError(Refused):
    """A Stripe problem, with a message fit to show a user."""


class AuthenticationFailed(GatewayError):
    """401: the key is wrong or revoked (or the connected account's access was revoked)."""


class ReconnectNeeded(AuthenticationFailed):
    """A Stripe App's grant is gone (`invalid_grant` on refresh: uninstalled, a refresh token used
    twice, or a year unused): only the user installing the app again brings the connection back."""


class PermissionDenied(GatewayError):
    """403: a restricted key lacks the permission for `resource`."""

    def __init__(self, message: str, resource: str | None = None):
        super().__init__(message)
        self.resource = resource


class Unreachable(GatewayError):
    """Stripe could not be reached, or kept answering 5xx until the attempts ran out."""


class RateLimited(GatewayError):
    """Stripe kept answering 429 until the attempts ran out."""


class InvalidRequest(GatewayError):
    def __init__(self, message: str, param: str | None = None, code: str | None = None):
        super().__init__(message)
        self.param = param
        self.code = code


class IdempotencyConflict(GatewayError):
    """The idempotency key was already used with different parameters."""


class CardDeclined(GatewayError):
    def __init__(self, message, code=None, decline_code=None, payment_intent_id=None):
        super().__init__(message)
        self.code = code
        self.decline_code = decline_code
        self.payment_intent_id = payment_intent_id


class AuthenticationRequired(GatewayError):
    """The bank wants the customer present (SCA): send them a payment link."""

    def __init__(self, message, payment_intent_id=None):
        super().__init__(message)
        self.payment_intent_id = payment_intent_id


class OAuthError(GatewayError):
    def __init__(self, message, error=None, description=None):
        super().__init__(message)
        self.error = error
        self.description = description


class SignatureInvalid(GatewayError):
    """A webhook whose signature, timestamp or JSON does not check out."""


# -- Light's view of Stripe objects ---------------------------------------------------------------
@dataclass(frozen=True)
class Account:
    id: str
    name: str | None
    email: str | None
    country: str | None
    default_currency: str | None


@dataclass(frozen=True)
class BalanceAmount:
    currency: str
    available: int
    pending: int


@dataclass(frozen=True)
class FeeDetail:
    amount: int
    currency: str
    type: str
    description: str | None


@dataclass(frozen=True)
class BalanceTransaction:
    id: str
    amount: int
    fee: int
    net: int
    currency: str
    type: str
    reporting_category: str
    status: str
    created: int
    available_on: int
    description: str | None
    source_id: str | None
    fee_details: tuple[FeeDetail, ...] = ()
    exchange_rate: str | None = None  # a decimal string, never a float
    # From the expanded source (a charge, refund or dispute), what Bank Reconciliation matches on.
    payment_intent_id: str | None = None
    charge_id: str | None = None  # the charge this line is, or follows (a refund or dispute)
    customer_id: str | None = None
    customer_email: str | None = None
    metadata: dict = field(default_factory=dict, hash=False, compare=False)


@dataclass(frozen=True)
class Payout:
    id: str
    amount: int
    currency: str
    status: str
    arrival_date: int
    created: int
    automatic: bool
    reconciliation_status: str | None
    balance_transaction_id: str | None
    failure_code: str | None
    trace_id: str | None = None  # the bank's reference for the deposit, once Stripe has it


@dataclass(frozen=True)
class ConnectToken:
    """What Stripe Connect's token exchange grants: access to one connected Stripe Account."""

    stripe_user_id: str
    access_token: str
    refresh_token: str | None
    scope: str | None
    livemode: bool


@dataclass(frozen=True)
class AppToken:
    """What a Stripe App's token endpoint grants: an access token for one Stripe Account (used as
    its API key, and expiring), and the refresh token that replaces it (rotated on every use)."""

    stripe_user_id: str
    access_token: str
    refresh_token: str
    livemode: bool
    scope: str | None
    expires_in: int | None  # seconds; Stripe's documented answer has none (its tokens last an hour)


@dataclass(frozen=True)
class Customer:
    id: str
    email: str | None
    name: str | None
    deleted: bool = False


@dataclass(frozen=True)
class PaymentMethod:
    id: str
    brand: str | None
    last4: str | None
    exp_month: int | None
    exp_year: int | None


@dataclass(frozen=True)
class CheckoutSession:
    id: str
    url: str | None
    status: str
    payment_status: str
    payment_intent_id: str | None
    customer_id: str | None
    metadata: dict = field(default_factory=dict)


@dataclass(frozen=True)
class PaymentIntent:
    id: str
    status: str
    amount: int
    currency: str
    customer_id: str | None
    payment_method_id: str | None
    latest_charge_id: str | None
    metadata: dict = field(default_factory=dict)
    last_error_code: str | None = None


@dataclass(frozen=True)
class Refund:
    id: str
    amount: int
    currency: str
    charge_id: str | None
    payment_intent_id: str | None
    status: str


@dataclass(frozen=True)
class WebhookEndpoint:
    id: str
    url: str
    secret: str | None  # only known right after creation


@dataclass(frozen=True)
class Event:
    id: str
    type: str
    account: str | None
    livemode: bool
    created: int
    object: dict


# -- mapping plain dicts (never SDK objects) to dataclasses --------------------------------------
def _id(value):
    """An expandable field as an id, whether Stripe sent the id or the object."""
    if isinstance(value, dict):
        return value.get("id")
    return value


def _exchange_rate(value):
    if value is None:
        return None
    return value if isinstance(value, str) else repr(value)  # repr of a JSON number, not math


def to_balance_transaction(d: dict) -> BalanceTransaction:
    return BalanceTransaction(
        id=d["id"], amount=d["amount"], fee=d["fee"], net=d["net"], currency=d["currency"],
        type=d["type"], reporting_category=d.get("reporting_category"), status=d["status"],
        created=d["created"], available_on=d["available_on"], description=d.get("description"),
        source_id=_id(d.get("source")),
        fee_details=tuple(FeeDetail(f["amount"], f["currency"], f["type"], f.get("description"))
                          for f in d.get("fee_details") or ()),
        exchange_rate=_exchange_rate(d.get("exchange_rate")), **_source_details(d.get("source")))


def _source_details(source) -> dict:
    """A charge's or payment's payment intent, customer, e-mail and metadata; a refund's or a
    dispute's charge. Empty when the source was not expanded (an id) or is something else."""
    if not isinstance(source, dict):
        return {}
    kind = source.get("object")
    if kind not in ("charge", "refund", "dispute"):
        return {}
    billing = source.get("billing_details") or {}
    metadata = source.get("metadata") or {}
    return {"payment_intent_id": _id(source.get("payment_intent")),
            "charge_id": source.get("id") if kind == "charge" else _id(source.get("charge")),
            "customer_id": _id(source.get("customer")),
            "customer_email": billing.get("email") or source.get("receipt_email"),
            "metadata": {str(k): str(v) for k, v in metadata.items()} if isinstance(metadata, dict) else {}}


def to_payout(d: dict) -> Payout:
    return Payout(id=d["id"], amount=d["amount"], currency=d["currency"], status=d["status"],
                  arrival_date=d["arrival_date"], created=d["created"],
                  automatic=bool(d.get("automatic")),
                  reconciliation_status=d.get("reconciliation_status"),
                  balance_transaction_id=_id(d.get("balance_transaction")),
                  failure_code=d.get("failure_code"), trace_id=_trace_id(d.get("trace_id")))


def _trace_id(value):
    """Stripe's trace_id object: its value counts only once its status is "supported"."""
    if not isinstance(value, dict) or value.get("status") != "supported":
        return None
    return value.get("value") or None


def to_account(d: dict) -> Account:
    profile = d.get("business_profile") or {}
    dashboard = (d.get("settings") or {}).get("dashboard") or {}
    return Account(id=d["id"], name=profile.get("name") or dashboard.get("display_name")
                   or d.get("email"), email=d.get("email"), country=d.get("country"),
                   default_currency=d.get("default_currency"))


def to_customer(d: dict) -> Customer:
    return Customer(id=d["id"], email=d.get("email"), name=d.get("name"), deleted=bool(d.get("deleted")))


def to_payment_method(d: dict) -> PaymentMethod:
    card = d.get("card") or {}
    return PaymentMethod(id=d["id"], brand=card.get("brand"), last4=card.get("last4"),
                         exp_month=card.get("exp_month"), exp_year=card.get("exp_year"))


def to_checkout_session(d: dict) -> CheckoutSession:
    return CheckoutSession(id=d["id"], url=d.get("url"), status=d["status"],
                           payment_status=d["payment_status"],
                           payment_intent_id=_id(d.get("payment_intent")),
                           customer_id=_id(d.get("customer")), metadata=dict(d.get("metadata") or {}))


def to_payment_intent(d: dict) -> PaymentIntent:
    error = d.get("last_payment_error") or {}
    return PaymentIntent(id=d["id"], status=d["status"], amount=d["amount"],
                         currency=d["currency"], customer_id=_id(d.get("customer")),
                         payment_method_id=_id(d.get("payment_method")),
                         latest_charge_id=_id(d.get("latest_charge")),
                         metadata=dict(d.get("metadata") or {}), last_error_code=error.get("code"))


def to_refund(d: dict) -> Refund:
    return Refund(id=d["id"], amount=d["amount"], currency=d["currency"],
                  charge_id=_id(d.get("charge")), payment_intent_id=_id(d.get("payment_intent")),
                  status=d["status"])
