"""The /v1 API: authentication, Stripe-Account, idempotency, faults, and the reading endpoints."""
import base64
import json

from flask import Blueprint, current_app, g, request

from . import control, money, schema, versions
from .payments import public
from .state import KEY_FORM, Collection, mask_key
from .wire import StripeError, as_int, as_list, created_filter, json_response, list_object, missing, parse_params

bp = Blueprint("v1", __name__, url_prefix="/v1")

PREFIX_KIND = {"ch": "charges", "re": "refunds", "po": "payouts", "dp": "disputes",
               "txn": "balance_transactions", "cus": "customers", "pm": "payment_methods",
               "pi": "payment_intents", "cs": "checkout_sessions", "evt": "events",
               "we": "webhook_endpoints"}
NAMES = {"charges": "charge", "refunds": "refund", "payouts": "payout", "disputes": "dispute",
         "balance_transactions": "balance transaction", "customers": "customer",
         "payment_methods": "PaymentMethod", "payment_intents": "payment_intent",
         "checkout_sessions": "checkout.session", "events": "event",
         "webhook_endpoints": "webhook endpoint"}


def store():
    return current_app.config["SANDBOX_STORE"]


def _key_from_header():
    header = request.headers.get("Authorization", "")
    scheme, _, credentials = header.partition(" ")
    if scheme.lower() == "bearer":
        return credentials.strip()
    if scheme.lower() == "basic":
        try:
            return base64.b64decode(credentials).decode().partition(":")[0]
        except ValueError:
            return ""
    return ""


def authenticate(secret):
    """The ApiKey for `secret`, or the 401 Stripe would answer."""
    if not secret:
        raise StripeError(401, "You did not provide an API key. You need to provide your API key "
                          "in the Authorization header, using Bearer auth (e.g. 'Authorization: "
                          "Bearer YOUR_SECRET_KEY').")
    if secret.startswith("pk_"):
        raise StripeError(401, "This API call cannot be made with a publishable API key. Please "
                          "use a secret API key. You can find a list of your API keys at "
                          "https://dashboard.stripe.com/account/apikeys.")
    if not KEY_FORM.match(secret):
        raise StripeError(401, f"Invalid API Key provided: {mask_key(secret)}")
    key = store().keys.get(secret)
    if key is None:
        key = store().key_for(secret)
    if key.revoked or (key.expires_at is not None and store().now() >= key.expires_at):
        # A Stripe App's access token an hour old gets this too (the words quoted in PostHog#57689).
        raise StripeError(401, f"Expired API Key provided: {mask_key(secret)}", code="api_key_expired")
    return key


def _resource(path):
    parts = path.split("/")[2:]  # "", "v1", resource, ...
    if parts[:2] == ["checkout", "sessions"]:
        return "checkout_sessions"
    return parts[0] if parts else ""


IDEMPOTENCY_TTL = 24 * 3600  # "keys ... at least 24 hours old" are pruned (docs.stripe.com/api/idempotent_requests)


def permission_error(key, account, permission=None):
    if permission is None:  # GET /v1/account and the like: no permission a restricted key can hold
        detail = ("This is a restricted API key, but the required permissions are not available "
                  "for use by restricted keys.")
    else:
        detail = f"Having the '{permission}' permission would allow this request to continue."
    # No `code`: Stripe's permission 403s carry none (stripe-node#2246, tap-stripe#38 quote them).
    return StripeError(403, f"The provided key '{mask_key(key.secret)}' does not have the "
                       f"required permissions for this endpoint on account '{account.id}'. {detail}")


# Stripe's permission names are singular (rak_charge_read, rak_checkout_session_write,
# rak_webhook_write, rak_payment_method_read, rak_dispute_read: quoted from real 403s in public
# code); balance transactions' is the sandbox's guess from the key editor's "Balance transaction
# sources".
PERMISSION_NAMES = {"charges": "charge", "refunds": "refund", "payouts": "payout",
                    "disputes": "dispute", "balance": "balance",
                    "balance_transactions": "balance_transaction_source", "customers": "customer",
                    "payment_methods": "payment_method", "payment_intents": "payment_intent",
                    "checkout_sessions": "checkout_session", "events": "event",
                    "webhook_endpoints": "webhook", "accounts": "connected_account"}


def check_permission(key, account, resource, method):
    if key.kind == "restricted" and request.path == "/v1/account":
        raise permission_error(key, account)
    write = method != "GET"
    if key.kind == "restricted" and key.grants is not None:
        # Stripe's model: a restricted key can do only what it was granted; Write includes Read.
        level = key.grants.get(resource)
        refused = level is None or (write and level != "write")
    else:
        refused = resource in key.denied or (write and resource in key.read_only)
    if refused:
        name = PERMISSION_NAMES.get(resource, resource)
        raise permission_error(key, account, f"rak_{name}_{'write' if write else 'read'}")


def validate(method, rule, params, version):
    """Stripe's 400s for parameters it does not know and `expand[]` it cannot do."""
    known = schema.endpoint(method, rule)
    if known is None:
        return
    typed_dict, resource_class, is_list = known
    extra = versions.adjust_params(rule, method, version, params)
    schema.check_params(typed_dict, {k: v for k, v in params.items() if k not in extra})
    schema.check_expand(resource_class, is_list, as_list(params, "expand"))


@bp.before_request
def before_v1():
    s = store()
    # Rate limits and unavailability answer before anything runs (never executed, never saved).
    fault = control.next_fault(s, request.path, phase="edge", method=request.method)
    if fault:
        raise fault
    g.params = parse_params(list(request.args.items(multi=True))
                            + list(request.form.items(multi=True)))
    key = authenticate(_key_from_header())
    account = s.accounts[key.account_id]
    target = request.headers.get("Stripe-Account")
    if target and target != account.id:
        if not s.connected(account.id, target) or s.accounts[target].livemode != key.livemode:
            raise StripeError(403, f"The provided key '{mask_key(key.secret)}' does not have access "
                              f"to account '{target}' (or that account does not exist). "
                              "Application access may have been revoked.", code="account_invalid")
        account = s.accounts[target]
    # Sandbox's choice: the version is checked after authentication (Stripe's order is not documented).
    g.api_version = versions.requested(request.headers.get("Stripe-Version"))
    check_permission(key, account, _resource(request.path), request.method)
    # After the permission check: a restricted key without the permission gets 403, one with it
    # gets 400 for an unknown parameter (and nothing is created).
    validate(request.method, request.url_rule.rule if request.url_rule else "", g.params,
             g.api_version)
    g.key, g.account = key, account
    money.mature(s, account)
    g.idempotency_key = request.headers.get("Idempotency-Key") if request.method == "POST" else None
    if g.idempotency_key:
        fingerprint = json.dumps([request.method, request.path, g.params], sort_keys=True)
        stored = account.idempotency.get(g.idempotency_key)
        if stored is not None and s.now() - _saved_at(stored) >= IDEMPOTENCY_TTL:
            del account.idempotency[g.idempotency_key]  # pruned: the key makes a new request
            stored = None
        if stored is not None:
            if stored[0] != fingerprint:
                raise StripeError(400, "Keys for idempotent requests can only be used with the same "
                                  "parameters they were first used with. Try using a key other than "
                                  f"'{g.idempotency_key}' if you meant to execute a different "
                                  "request.", type="idempotency_error")
            return json_response(json.loads(stored[2]), stored[1],
                                 {"Idempotent-Replayed": "true", "Original-Request": stored[3]})
        g.fingerprint = fingerprint
    # The endpoint "begins executing" here: a 500 from now on is saved under the key, like Stripe's.
    fault = control.next_fault(s, request.path, phase="endpoint", method=request.method)
    if fault:
        raise fault


def _saved_at(stored):
    return stored[4] if len(stored) > 4 else 0  # state files from before keys expired


def _failed_validation(response):
    """Stripe saves no result for a request whose parameters failed validation; its validation
    errors are the `parameter_*` codes (parameter_missing, parameter_unknown, ...)."""
    if response.status_code != 400:
        return False
    try:
        error = json.loads(response.get_data()).get("error", {})
    except ValueError:
        return False
    return error.get("type") == "invalid_request_error" and \
        str(error.get("code") or "").startswith("parameter_")


@bp.after_request
def remember_idempotent(response):
    fingerprint = getattr(g, "fingerprint", None)
    # Saved "regardless of whether it succeeds or fails", 500s included; not 429s, not requests
    # that failed validation (docs.stripe.com/api/idempotent_requests).
    if fingerprint and response.status_code != 429 and not _failed_validation(response):
        g.account.idempotency[g.idempotency_key] = (fingerprint, response.status_code,
                                                    response.get_data(), g.request_id,
                                                    store().now())
        store().dirty = True
    return response


# -- helpers shared with collect.py -----------------------------------------------------------
def find(account, id):
    kind = PREFIX_KIND.get(str(id).split("_")[0])
    return account[kind].get(id) if kind else None


def get_or_404(kind, id):
    obj = g.account[kind].get(id)
    if obj is None:
        raise missing(NAMES[kind], id)
    return obj


def expand(obj, paths):
    """Replace ids by objects along `paths` like "source" or "data.source" (already stripped)."""
    if not paths:
        return obj
    obj = dict(obj)
    for path in paths:
        field, _, rest = path.partition(".")
        value = obj.get(field)
        if isinstance(value, str):
            found = find(g.account, value)
            if found is not None:
                obj[field] = public(found)
                value = obj[field]
        if rest and isinstance(value, dict):
            obj[field] = expand(value, [rest])
    return obj


def render(obj, status=200):
    return json_response(versions.shape(expand(public(obj), as_list(g.params, "expand")),
                                        g.api_version), status)


def render_list(kind, *, match=None, allow_created=True, collection=None):
    params = g.params
    limit = as_int(params, "limit", default=10, minimum=1, maximum=100)
    collection = g.account[kind] if collection is None else collection
    objects, has_more = collection.page(
        limit=limit, starting_after=params.get("starting_after") or None,
        ending_before=params.get("ending_before") or None,
        created=created_filter(params) if allow_created else None, match=match,
        cursor_error=lambda id, param: missing(NAMES[kind], id, param))
    paths = [p[5:] for p in as_list(params, "expand") if p.startswith("data.")]
    data = [versions.shape(expand(public(obj), paths), g.api_version) for obj in objects]
    return json_response(list_object(request.path, data, has_more))


def _equals(params, *fields):
    wanted = {f: params[f] for f in fields if params.get(f)}
    if not wanted:
        return None
    return lambda obj: all(obj.get(f) == v for f, v in wanted.items())


# -- reading ----------------------------------------------------------------------------------
@bp.get("/account")
def account():
    return render(g.account.as_stripe())


@bp.get("/accounts/<id>")
def account_by_id(id):
    s = store()
    if id != g.account.id and not s.connected(g.account.id, id):
        raise missing("account", id)
    return json_response(s.accounts[id].as_stripe())


@bp.get("/balance")
def balance():
    return json_response(money.balance_object(g.account))


@bp.get("/balance_transactions")
def balance_transactions():
    params = g.params
    payout_id = params.get("payout")
    match = _equals(params, "type", "currency", "source")
    if payout_id:
        payout = g.account["payouts"].get(payout_id)
        if payout is None:
            raise missing("payout", payout_id, "payout")
        if not payout["automatic"]:
            raise StripeError(400, "Balance transaction history can only be filtered on automatic "
                              "transfers, not manual.", param="payout")
        return render_list("balance_transactions", match=match,
                           collection=_payout_members(payout_id))
    return render_list("balance_transactions", match=match)


def _payout_members(payout_id):
    """A throwaway ordered collection of the transactions one payout paid out."""
    txns = g.account["balance_transactions"]
    members = Collection()
    keyed = sorted((txns.key_of[i], i) for i in g.account.payout_txns.get(payout_id, ()))
    members.keys = [key for key, _ in keyed]
    members.items = [txns.get(i) for _, i in keyed]
    members.key_of = {i: key for key, i in keyed}
    return members


@bp.get("/balance_transactions/<id>")
def balance_transaction(id):
    return render(get_or_404("balance_transactions", id))


@bp.get("/payouts")
def payouts():
    return render_list("payouts", match=_equals(g.params, "status"))


@bp.get("/payouts/<id>")
def payout(id):
    return render(get_or_404("payouts", id))


@bp.get("/charges")
def charges():
    return render_list("charges", match=_equals(g.params, "customer", "payment_intent"))


@bp.get("/charges/<id>")
def charge(id):
    return render(get_or_404("charges", id))


@bp.get("/refunds")
def refunds():
    return render_list("refunds", match=_equals(g.params, "charge", "payment_intent"))


@bp.get("/refunds/<id>")
def refund(id):
    return render(get_or_404("refunds", id))


@bp.get("/disputes")
def disputes():
    return render_list("disputes", match=_equals(g.params, "charge", "payment_intent"))


@bp.get("/disputes/<id>")
def dispute(id):
    return render(get_or_404("disputes", id))


@bp.get("/events")
def events():
    params = g.params
    types = as_list(params, "types")
    match = _equals(params, "type")
    if types:
        match = lambda obj: obj["type"] in types  # noqa: E731
    return render_list("events", match=match)


@bp.get("/events/<id>")
def event(id):
    return render(get_or_404("events", id))
