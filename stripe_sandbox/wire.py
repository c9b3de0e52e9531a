"""Stripe's wire format: bracketed form parameters in, JSON objects and errors out."""
import json
import re

from flask import Response

_KEY_PART = re.compile(r"\[([^\]]*)\]")


class StripeError(Exception):
    """An error answered in Stripe's `{"error": {...}}` shape."""

    def __init__(self, status, message, *, type="invalid_request_error", code=None,
                 param=None, decline_code=None, payment_intent=None, headers=None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.type = type
        self.code = code
        self.param = param
        self.decline_code = decline_code
        self.payment_intent = payment_intent
        self.headers = headers or {}

    def body(self):
        error = {"type": self.type, "message": self.message}
        for name in ("code", "param", "decline_code", "payment_intent"):
            value = getattr(self, name)
            if value is not None:
                error[name] = value
        if self.code:
            error["doc_url"] = f"https://stripe.com/docs/error-codes/{self.code.replace('_', '-')}"
        return {"error": error}


def missing(kind, id, param="id"):
    return StripeError(404, f"No such {kind}: '{id}'", code="resource_missing", param=param)


def bad_param(param, message=None):
    return StripeError(400, message or f"Invalid value for {param}.", code="parameter_invalid", param=param)


def required(param):
    return StripeError(400, f"Missing required param: {param}.", code="parameter_missing", param=param)


def json_response(body, status=200, headers=None):
    # Compact: indent would switch json to its pure-Python encoder, ~10x slower on big pages.
    response = Response(json.dumps(body), status=status, mimetype="application/json")
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def split_key(key):
    """`line_items[0][price_data][currency]` -> ["line_items", "0", "price_data", "currency"]."""
    head, _, rest = key.partition("[")
    if not rest:
        return [key]
    return [head] + _KEY_PART.findall("[" + rest)


def parse_params(pairs):
    """Turn Stripe's form pairs into nested dicts and lists.

    `a[b]=1` makes a dict, `a[0]=x` and `a[]=x` make lists, the rest stays a string, as Stripe
    receives it; each route coerces what it reads.
    """
    root = {}
    for key, value in pairs:
        parts = split_key(key)
        node = root
        for depth, part in enumerate(parts):
            last = depth == len(parts) - 1
            if part == "":
                part = f"#{len(node)}"
            if last:
                node[part] = value
            else:
                node = node.setdefault(part, {})
                if not isinstance(node, dict):
                    raise StripeError(400, f"Invalid array or hash for {key}.", param=key)
    return _listify(root)


def _listify(node):
    if not isinstance(node, dict):
        return node
    converted = {k: _listify(v) for k, v in node.items()}
    if converted and all(k.isdigit() or k.startswith("#") for k in converted):
        order = sorted(converted, key=lambda k: (k.startswith("#"), int(k.lstrip("#"))))
        return [converted[k] for k in order]
    return converted


def as_int(params, name, *, default=None, minimum=None, maximum=None):
    value = params.get(name)
    if value is None or value == "":
        return default
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise StripeError(400, f"Invalid integer: {value}", code="parameter_invalid_integer", param=name) from None
    if (minimum is not None and number < minimum) or (maximum is not None and number > maximum):
        raise StripeError(400, f"Invalid value for {name}: {number}", code="parameter_invalid_integer", param=name)
    return number


def as_bool(params, name, default=False):
    value = params.get(name)
    if value is None or value == "":
        return default
    if value in (True, "true", "True", "1"):
        return True
    if value in (False, "false", "False", "0"):
        return False
    raise StripeError(400, f"Invalid boolean: {value}", code="parameter_invalid_boolean", param=name)


def as_metadata(params, name="metadata"):
    value = params.get(name) or {}
    if value == "":
        return {}
    if not isinstance(value, dict):
        raise StripeError(400, "Invalid hash", code="parameter_invalid_hash", param=name)
    return {str(k): str(v) for k, v in value.items() if v != ""}


def as_list(params, name):
    value = params.get(name)
    if value is None or value == "":
        return []
    if isinstance(value, list):
        return value
    return [value]


def list_object(url, data, has_more):
    return {"object": "list", "data": data, "has_more": has_more, "url": url}


def created_filter(params):
    """`created=<int>` or `created[gt|gte|lt|lte]=<int>` as a dict of bounds."""
    value = params.get("created")
    if value is None or value == "":
        return None
    if isinstance(value, dict):
        bounds = {}
        for op in value:
            if op not in ("gt", "gte", "lt", "lte"):
                raise StripeError(400, f"Received unknown parameter: created[{op}]", param=f"created[{op}]")
            bounds[op] = as_int(value, op)
        return bounds
    exact = as_int(params, "created")
    return {"gte": exact, "lte": exact}
