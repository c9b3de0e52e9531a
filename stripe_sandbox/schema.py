"""What Stripe accepts, taken from stripe-python's own typed classes (the sandbox is a dev tool and
may import `stripe`; the SDK's `stripe.params.*Params` TypedDicts and resource classes are
generated from Stripe's OpenAPI spec for the SDK's API version, 2026-10-28.endive for 16.1.0).

- `check_params`: every parameter (and nested hash key) the endpoint's TypedDict does not name is
  refused with Stripe's 400 `parameter_unknown`, recursively through nested TypedDicts and lists of
  them; free-form hashes (`metadata`) are not looked into. Value types are not checked (Stripe's
  messages for them are not sourced here).
- `check_expand`: `expand[]` paths are walked over the typed resource classes: a field typed
  `ExpandableField[...]` (an id or the object) or `ListObject[...]` (an includable list) can be
  expanded; nested objects can be walked through; more than 4 levels is refused.
"""
import functools
import inspect
import re
import sys
import typing

import stripe
import stripe.params as P
import stripe.params.checkout as PC
import typing_extensions
from stripe._list_object import ListObject
from stripe._stripe_object import StripeObject

from .wire import StripeError

REQUEST_OPTIONS = frozenset(("api_key", "stripe_version", "stripe_account", "stripe_context",
                             "max_network_retries", "idempotency_key", "content_type", "headers"))
MAX_EXPAND_DEPTH = 4  # "You cannot expand more than 4 levels of a property."

# (method, Flask rule) -> (params TypedDict, resource class of the response, response is a list)
ENDPOINTS = {
    ("GET", "/v1/account"): (P.AccountRetrieveCurrentParams, stripe.Account, False),
    ("GET", "/v1/accounts/<id>"): (P.AccountRetrieveParams, stripe.Account, False),
    ("GET", "/v1/balance"): (P.BalanceRetrieveParams, stripe.Balance, False),
    ("GET", "/v1/balance_transactions"): (P.BalanceTransactionListParams, stripe.BalanceTransaction, True),
    ("GET", "/v1/balance_transactions/<id>"): (P.BalanceTransactionRetrieveParams, stripe.BalanceTransaction, False),
    ("GET", "/v1/payouts"): (P.PayoutListParams, stripe.Payout, True),
    ("GET", "/v1/payouts/<id>"): (P.PayoutRetrieveParams, stripe.Payout, False),
    ("GET", "/v1/charges"): (P.ChargeListParams, stripe.Charge, True),
    ("GET", "/v1/charges/<id>"): (P.ChargeRetrieveParams, stripe.Charge, False),
    ("GET", "/v1/refunds"): (P.RefundListParams, stripe.Refund, True),
    ("GET", "/v1/refunds/<id>"): (P.RefundRetrieveParams, stripe.Refund, False),
    ("POST", "/v1/refunds"): (P.RefundCreateParams, stripe.Refund, False),
    ("GET", "/v1/disputes"): (P.DisputeListParams, stripe.Dispute, True),
    ("GET", "/v1/disputes/<id>"): (P.DisputeRetrieveParams, stripe.Dispute, False),
    ("GET", "/v1/events"): (P.EventListParams, stripe.Event, True),
    ("GET", "/v1/events/<id>"): (P.EventRetrieveParams, stripe.Event, False),
    ("POST", "/v1/customers"): (P.CustomerCreateParams, stripe.Customer, False),
    ("GET", "/v1/customers"): (P.CustomerListParams, stripe.Customer, True),
    ("GET", "/v1/customers/<id>"): (P.CustomerRetrieveParams, stripe.Customer, False),
    ("POST", "/v1/customers/<id>"): (P.CustomerUpdateParams, stripe.Customer, False),
    ("DELETE", "/v1/customers/<id>"): (P.CustomerDeleteParams, stripe.Customer, False),
    ("GET", "/v1/customers/<id>/payment_methods"): (P.CustomerListPaymentMethodsParams, stripe.PaymentMethod, True),
    ("POST", "/v1/payment_methods"): (P.PaymentMethodCreateParams, stripe.PaymentMethod, False),
    ("GET", "/v1/payment_methods"): (P.PaymentMethodListParams, stripe.PaymentMethod, True),
    ("GET", "/v1/payment_methods/<id>"): (P.PaymentMethodRetrieveParams, stripe.PaymentMethod, False),
    ("POST", "/v1/payment_methods/<id>/attach"): (P.PaymentMethodAttachParams, stripe.PaymentMethod, False),
    ("POST", "/v1/payment_methods/<id>/detach"): (P.PaymentMethodDetachParams, stripe.PaymentMethod, False),
    ("POST", "/v1/payment_intents"): (P.PaymentIntentCreateParams, stripe.PaymentIntent, False),
    ("GET", "/v1/payment_intents"): (P.PaymentIntentListParams, stripe.PaymentIntent, True),
    ("GET", "/v1/payment_intents/<id>"): (P.PaymentIntentRetrieveParams, stripe.PaymentIntent, False),
    ("POST", "/v1/payment_intents/<id>/confirm"): (P.PaymentIntentConfirmParams, stripe.PaymentIntent, False),
    ("POST", "/v1/checkout/sessions"): (PC.SessionCreateParams, stripe.checkout.Session, False),
    ("GET", "/v1/checkout/sessions"): (PC.SessionListParams, stripe.checkout.Session, True),
    ("GET", "/v1/checkout/sessions/<id>"): (PC.SessionRetrieveParams, stripe.checkout.Session, False),
    ("POST", "/v1/checkout/sessions/<id>/expire"): (PC.SessionExpireParams, stripe.checkout.Session, False),
    ("POST", "/v1/webhook_endpoints"): (P.WebhookEndpointCreateParams, stripe.WebhookEndpoint, False),
    ("GET", "/v1/webhook_endpoints"): (P.WebhookEndpointListParams, stripe.WebhookEndpoint, True),
    ("GET", "/v1/webhook_endpoints/<id>"): (P.WebhookEndpointRetrieveParams, stripe.WebhookEndpoint, False),
    ("POST", "/v1/webhook_endpoints/<id>"): (P.WebhookEndpointUpdateParams, stripe.WebhookEndpoint, False),
    ("DELETE", "/v1/webhook_endpoints/<id>"): (P.WebhookEndpointDeleteParams, stripe.WebhookEndpoint, False),
}


def unknown(param):
    return StripeError(400, f"Received unknown parameter: {param}", code="parameter_unknown",
                       param=param)


# -- parameter specs from the TypedDicts ---------------------------------------------------------
class Spec:
    """What one parameter may hold: hashes of these TypedDicts, a free-form hash, a list of
    `item`, or a scalar."""

    __slots__ = ("dicts", "freeform", "item")

    def __init__(self):
        self.dicts = []
        self.freeform = False
        self.item = None

    def merge(self, other):
        self.dicts += [d for d in other.dicts if d not in self.dicts]
        self.freeform = self.freeform or other.freeform
        if other.item is not None:
            self.item = (Spec() if self.item is None else self.item).merge(other.item)
        return self


def _split_top(text, sep="|"):
    parts, depth, current = [], 0, ""
    for ch in text:
        if ch in "[(":
            depth += 1
        elif ch in "])":
            depth -= 1
        if ch == sep and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += ch
    parts.append(current)
    return [p.strip() for p in parts if p.strip()]


def _spec_from_string(text, namespace):
    spec = Spec()
    for alt in _split_top(text):
        head = alt.split("[", 1)[0].strip()
        inner = alt[len(head) + 1:-1] if "[" in alt else ""
        if head in ("NotRequired", "Required", "Optional", "Union"):
            for part in _split_top(inner, ","):
                spec.merge(_spec_from_string(part, namespace))
        elif head in ("List", "list", "Sequence"):
            spec.merge(_with_item(_spec_from_string(inner, namespace)))
        elif head in ("Dict", "dict", "Mapping", "UntypedStripeObject"):
            spec.freeform = True
        else:
            target = namespace.get(head)
            if isinstance(target, type) and typing_extensions.is_typeddict(target):
                spec.dicts.append(target)
            # anything else (str, int, bool, Literal[...]) is a scalar
    return spec


def _with_item(item):
    spec = Spec()
    spec.item = item
    return spec


def _spec(annotation, namespace):
    if isinstance(annotation, str):
        return _spec_from_string(annotation, namespace)
    if isinstance(annotation, typing.ForwardRef):
        return _spec_from_string(annotation.__forward_arg__, namespace)
    if isinstance(annotation, type) and typing_extensions.is_typeddict(annotation):
        spec = Spec()
        spec.dicts.append(annotation)
        return spec
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    spec = Spec()
    if origin in (list, list) or (origin is not None and getattr(origin, "__name__", "") in ("Sequence",)):
        return _with_item(_spec(args[0], namespace) if args else Spec())
    if origin in (dict, dict) or getattr(origin, "__name__", "") in ("Mapping", "UntypedStripeObject"):
        spec.freeform = True
        return spec
    if args and origin is not typing.Literal:  # NotRequired, Required, Union, Optional, ...
        for arg in args:
            spec.merge(_spec(arg, namespace))
    return spec


@functools.cache
def fields(typed_dict):
    """{name: Spec} for a params TypedDict, without stripe-python's RequestOptions keys."""
    namespace = vars(sys.modules[typed_dict.__module__])
    annotations = {}
    for klass in reversed(typed_dict.__mro__):
        annotations.update(getattr(klass, "__annotations__", {}))
    return {name: _spec(annotation, namespace) for name, annotation in annotations.items()
            if name not in REQUEST_OPTIONS}


def _check(value, spec, path):
    if isinstance(value, dict):
        if spec.freeform or not spec.dicts:
            return  # a free-form hash, or a hash where a scalar goes (type errors are not checked)
        allowed = {}
        for typed_dict in spec.dicts:
            for name, field in fields(typed_dict).items():
                allowed[name] = allowed[name].merge(field) if name in allowed else Spec().merge(field)
        for key, item in value.items():
            if key not in allowed:
                raise unknown(f"{path}[{key}]")
            _check(item, allowed[key], f"{path}[{key}]")
    elif isinstance(value, list) and spec.item is not None:
        for index, item in enumerate(value):
            _check(item, spec.item, f"{path}[{index}]")


def check_params(typed_dict, params):
    """Raise Stripe's 400 parameter_unknown for the first parameter `typed_dict` does not name."""
    known = fields(typed_dict)
    for name, value in params.items():
        if name not in known:
            raise unknown(name)
        _check(value, known[name], name)


def endpoint(method, rule):
    return ENDPOINTS.get((method, rule))


# -- expand ---------------------------------------------------------------------------------------
@functools.cache
def _class_named(name):
    # stripe imports its resources lazily (module __getattr__): look each name up, don't scan.
    for module in (stripe, stripe.checkout):
        try:
            value = getattr(module, name)
        except AttributeError:
            continue
        if isinstance(value, type) and issubclass(value, StripeObject):
            return value
    return None


def _annotation(klass, name):
    for base in klass.__mro__:
        try:
            annotations = inspect.get_annotations(base)
        except Exception:  # noqa: BLE001 - a class without readable annotations
            continue
        if name in annotations:
            return annotations[name]
    return None


def _kind(annotation):
    """("expandable", class|None) | ("list", class|None) | ("object", class) | ("plain", None)."""
    if annotation is None:
        return "missing", None
    if isinstance(annotation, typing.ForwardRef):
        annotation = annotation.__forward_arg__
    if isinstance(annotation, str):
        target = _class_named(annotation.strip("'\""))
        return ("object", target) if target else ("plain", None)
    origin = typing.get_origin(annotation)
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    if origin is typing.Union:
        if str in args and len(args) >= 2:  # ExpandableField[X] = Union[str, X]
            others = [a for a in args if a is not str]
            target = _target(others[0])
            return "expandable", target
        if len(args) == 1:
            return _kind(args[0])
        return "plain", None
    if origin is ListObject or (isinstance(origin, type) and issubclass(origin, ListObject)):
        return "list", _target(args[0]) if args else None
    if isinstance(annotation, type) and issubclass(annotation, StripeObject):
        return "object", annotation
    return "plain", None


def _target(arg):
    if isinstance(arg, typing.ForwardRef):
        return _class_named(arg.__forward_arg__)
    if isinstance(arg, str):
        return _class_named(arg)
    if isinstance(arg, type):
        return arg
    # e.g. Union["Account", "BankAccount", "Card"] of a polymorphic field: the first is as good
    inner = [a for a in typing.get_args(arg) if a is not type(None)]
    return _target(inner[0]) if inner else None


def cannot_expand(segment, hint=None):
    message = f"This property cannot be expanded ({segment})."
    if hint:
        message += f" You may want to try expanding '{hint}' instead."
    return StripeError(400, message)


def check_expand(klass, is_list, paths):
    """Raise Stripe's 400 for an `expand[]` path the response cannot expand."""
    for path in paths:
        if not isinstance(path, str) or not path:
            raise cannot_expand(path)
        segments = path.split(".")
        if len(segments) > MAX_EXPAND_DEPTH:
            raise StripeError(400, "You cannot expand more than 4 levels of a property.")
        _walk(klass, is_list, segments, path)


def _walk(klass, is_list, segments, path):
    current, listing = klass, is_list
    for position, segment in enumerate(segments):
        last = position == len(segments) - 1
        if listing:
            if segment == "data":
                listing = False
                if last:
                    raise cannot_expand(segment)
                continue
            if position == 0 and current is not None and \
                    _kind(_annotation(current, segment))[0] in ("expandable", "list"):
                raise cannot_expand(segment, f"data.{segment}")
            raise cannot_expand(segment)
        if current is None:
            return  # a class stripe-python does not type: nothing more can be checked
        kind, target = _kind(_annotation(current, segment))
        if kind == "expandable" or kind == "list":
            current, listing = target, kind == "list"
            continue
        if kind == "object" and not last:
            current = target
            continue
        raise cannot_expand(segment)


# -- API versions ---------------------------------------------------------------------------------
def _known_versions():
    annotation = P.WebhookEndpointCreateParams.__annotations__["api_version"]
    found = []

    def collect(node):
        if typing.get_origin(node) is typing.Literal:
            found.extend(typing.get_args(node))
        for arg in typing.get_args(node):
            if not isinstance(arg, str):
                collect(arg)

    collect(annotation)
    if isinstance(annotation, (str, typing.ForwardRef)):  # never the case in 16.1.0
        found.extend(re.findall(r"\d{4}-\d{2}-\d{2}(?:\.\w+)?", str(annotation)))
    return tuple(found)


KNOWN_VERSIONS = _known_versions()
