"""Stripe API versions: which the sandbox knows, and the few shape differences it reproduces.

Known versions are the `api_version` Literal of stripe-python 16.1.0's
`WebhookEndpointCreateParams` (2011-01-01 … 2026-10-28.endive). Requests without `Stripe-Version`
get the account's default, which is DEFAULT (stripe-python 16.1.0's own, `stripe/_api_version.py`)
for every sandbox account. Parameter lists are 2026-10-28.endive's (from stripe-python's typed
params); the differences below are the only version-dependent behaviour, each with its source:

- PaymentIntent `automatic_payment_methods` is on by default since 2023-08-16 (docs changelog
  2023-08-16; openapi fixture `{"enabled": true}`; `allow_redirects` defaults to "always").
- `payment_method_types` is refused on PaymentIntent create/confirm from 2026-09-30.endive with a
  400 `payment_method_types_no_longer_supported` (docs changelog endive/2026-09-30/removes-the-
  payment-method-types-parameter-from-payment-intents-and-setup-intents), and is no longer a
  Checkout Session create parameter from 2026-09-30.endive (changelog endive/2026-09-30/remove-
  payment-method-types-checkout-sessions; no error code given there, so the generic
  parameter_unknown). Before endive both accept it.
- `allowed_payment_method_types` exists on PaymentIntents from 2026-07-29.dahlia and on Checkout
  Sessions from 2026-09-30.endive (changelogs dahlia/2026-07-29 and endive/2026-09-30).
- Checkout Session `ui_mode` is `hosted_page` from 2026-03-25.dahlia and `hosted` before (changelog
  dahlia/2026-03-25/updates-available-checkout-session-ui-modes).
"""
import copy

from stripe._api_version import _ApiVersion

from .schema import KNOWN_VERSIONS
from .wire import StripeError

DEFAULT = _ApiVersion.CURRENT  # "2026-10-28.endive"
KNOWN = frozenset(KNOWN_VERSIONS) | {DEFAULT}

AUTOMATIC_PAYMENT_METHODS_DEFAULT = "2023-08-16"
CHECKOUT_UI_MODE_RENAMED = "2026-03-25"
PI_ALLOWED_PAYMENT_METHOD_TYPES = "2026-07-29"
PAYMENT_METHOD_TYPES_REMOVED = "2026-09-30"


def date(version):
    return version[:10]


def at_least(version, day):
    return date(version) >= day


def requested(header):
    """The version a request asked for (DEFAULT without the header), or Stripe's 400."""
    if header is None or header.strip() == "":
        return DEFAULT
    version = header.strip()
    if version not in KNOWN:
        raise StripeError(400, f"Invalid Stripe API version: {version}")
    return version


def adjust_params(rule, method, version, params):
    """Version rules on top of the endive parameter lists. Returns the names to accept although
    the endive TypedDict lacks them; raises for what this version refuses although endive knows
    it."""
    extra = set()
    pi = (method, rule) in (("POST", "/v1/payment_intents"),
                            ("POST", "/v1/payment_intents/<id>/confirm"))
    session = (method, rule) == ("POST", "/v1/checkout/sessions")
    if pi and "payment_method_types" in params and at_least(version, PAYMENT_METHOD_TYPES_REMOVED):
        # The message is the sandbox's; the status and code are the changelog's.
        raise StripeError(400, "The `payment_method_types` parameter is no longer supported on "
                          f"API version {version}. Use `allowed_payment_method_types`, "
                          "`excluded_payment_method_types` or dynamic payment methods instead.",
                          code="payment_method_types_no_longer_supported",
                          param="payment_method_types")
    if (pi or session) and not at_least(version, PAYMENT_METHOD_TYPES_REMOVED):
        extra.add("payment_method_types")
    if "allowed_payment_method_types" in params:
        if (pi and not at_least(version, PI_ALLOWED_PAYMENT_METHOD_TYPES)) or \
                (session and not at_least(version, PAYMENT_METHOD_TYPES_REMOVED)):
            from .schema import unknown
            raise unknown("allowed_payment_method_types")
    return extra


def automatic_payment_methods(version, params):
    """The `automatic_payment_methods` a new PaymentIntent gets under `version`."""
    given = params.get("automatic_payment_methods")
    if isinstance(given, dict) and "enabled" in given:
        if str(given["enabled"]).lower() in ("true", "1"):
            return {"allow_redirects": given.get("allow_redirects") or "always", "enabled": True}
        return None
    if params.get("payment_method_types"):
        return None  # explicit types turn the default off (versions before endive only)
    if at_least(version, AUTOMATIC_PAYMENT_METHODS_DEFAULT):
        return {"allow_redirects": "always", "enabled": True}
    return None


def shape(obj, version):
    """`obj` (a public API object, possibly with expanded children) as `version` renders it."""
    if not isinstance(obj, dict):
        return obj
    kind = obj.get("object")
    if kind == "checkout.session" and not at_least(version, CHECKOUT_UI_MODE_RENAMED):
        obj = dict(obj)
        legacy = {"hosted_page": "hosted", "embedded_page": "embedded", "elements": "custom"}
        obj["ui_mode"] = legacy.get(obj.get("ui_mode"), obj.get("ui_mode"))
    if kind == "list":
        obj = dict(obj)
        obj["data"] = [shape(item, version) for item in obj.get("data", [])]
    return obj


def shape_event(event, version):
    """A copy of `event` rendered for an endpoint pinned to `version`."""
    event = copy.deepcopy(event)
    event["api_version"] = version
    event["data"]["object"] = shape(event["data"]["object"], version)
    return event
