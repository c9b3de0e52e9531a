"""The /_sandbox control API (JSON in, JSON out) that tests and developers use to steer the
sandbox: reset, seed, revoke keys, trigger payouts, inject faults, move the clock, etc.

No authentication: the sandbox listens on 127.0.0.1 by default and must never face the internet.
"""
from flask import Blueprint, current_app, request

from . import money, seed
from .events import emit
from .state import KEY_FORM
from .wire import StripeError, json_response

bp = Blueprint("control", __name__, url_prefix="/_sandbox")
FAULT_BODIES = {
    429: ("invalid_request_error", "rate_limit",
          "Too many requests hit the API too quickly. We recommend an exponential backoff of your "
          "requests."),
    500: ("api_error", None, "An unknown error occurred while processing your request."),
    502: ("api_error", None, "Bad gateway."),
    503: ("api_error", None, "The service is temporarily unavailable."),
}


# Faults answered before authentication, as a rate limiter or a proxy in front of the API would:
# never executed, never saved under an Idempotency-Key. Others (500) fire once the endpoint has
# begun executing, so Stripe's idempotency layer saves and replays them. 502 is the sandbox's
# choice (a gateway error comes from in front of the API).
EDGE_STATUSES = frozenset((429, 502, 503))


def next_fault(store, path, phase=None, method=None):
    """The StripeError to answer instead of serving `path`, if a fault rule says so.

    `phase` "edge" considers only rules for EDGE_STATUSES, "endpoint" only the others, None all."""
    for rule in store.faults:
        if not path.startswith(rule["path_prefix"]):
            continue
        if rule.get("method") and method and rule["method"] != method:
            continue
        if phase is not None and (rule["status"] in EDGE_STATUSES) != (phase == "edge"):
            continue
        if rule["mode"] == "next":
            if rule["remaining"] <= 0:
                continue
            rule["remaining"] -= 1
        elif store.random.random() >= rule["rate"]:
            continue
        rule["served"] += 1
        type, code, message = FAULT_BODIES.get(rule["status"], FAULT_BODIES[500])
        headers = {"Stripe-Should-Retry": "false"} if rule["status"] == 429 else {}
        return StripeError(rule["status"], message, type=type, code=code, headers=headers)
    return None


def _store():
    return current_app.config["SANDBOX_STORE"]


def _body():
    return request.get_json(silent=True) or {}


def _fail(message, status=400):
    raise StripeError(status, message, type="sandbox_error")


def account_from(body, store):
    """The account named by `account` (acct_…) or `api_key` (creating a platform on first use)."""
    if body.get("account"):
        account = store.accounts.get(body["account"])
        if account is None:
            _fail(f"No such account: {body['account']}", 404)
        return account
    key = body.get("api_key", "")
    if not KEY_FORM.match(key):
        _fail("Give `account` (acct_…) or a well-formed `api_key`.")
    return store.accounts[store.key_for(key).account_id]


@bp.post("/reset")
def reset():
    _store().reset()
    return json_response({"reset": True})


@bp.post("/seed")
def seed_route():
    store, body = _store(), _body()
    account = account_from(body, store)
    options = {k: body[k] for k in ("balance_transactions", "months", "currencies", "customers",
                                    "refund_every", "dispute_every", "payout_every_days", "seed",
                                    "start", "end", "foreign_currencies") if k in body}
    created = seed.seed_account(store, account, **options)
    return json_response({"account": account.id, "created": created})


@bp.post("/keys")
def restrict_key():
    """`{"api_key": "rk_test_…", "deny": ["balance_transactions"], "read_only": ["customers"]}`:
    `deny` refuses reads and writes of those resources, `read_only` refuses writes (POST, DELETE).
    Resources are the first path segment after /v1 (`checkout_sessions` for /v1/checkout/sessions).
    Each call replaces both lists. Or, the way Stripe's key editor works, `{"api_key", "grant":
    {"balance": "read", "customers": "write"}}`: the key can do only that (Write includes Read).
    Whatever they say, a restricted key (rk_) gets 403 on GET /v1/account, as with Stripe."""
    store, body = _store(), _body()
    account_from(body, store)
    key = store.keys[body["api_key"]]
    key.denied = set(body.get("deny", []))
    key.read_only = set(body.get("read_only", []))
    grant = body.get("grant")
    if grant is not None and (not isinstance(grant, dict) or set(grant.values()) - {"read", "write"}):
        _fail('`grant` maps resources to "read" or "write".')
    key.grants = dict(grant) if grant is not None else None
    return json_response({"api_key": key.secret[:8] + "…", "account": key.account_id,
                          "deny": sorted(key.denied), "read_only": sorted(key.read_only),
                          "grant": key.grants})


@bp.post("/revoke")
def revoke():
    """`{"api_key": …}` revokes a key; `{"account": acct_, "platform": acct_}` a connection."""
    from .oauth import deauthorize_connection
    store, body = _store(), _body()
    if body.get("api_key") and not body.get("account"):
        account_from(body, store)
        store.keys[body["api_key"]].revoked = True
        return json_response({"revoked": "key"})
    account = account_from({"account": body.get("account")}, store)
    platforms = [body["platform"]] if body.get("platform") else sorted(account.platforms)
    for platform_id in platforms:
        deauthorize_connection(store, platform_id, account, body.get("client_id", "ca_sandbox00"))
    return json_response({"revoked": "connection", "platforms": platforms})


@bp.post("/accounts")
def connect_account():
    """Create (or reuse, with `account`) a connected account for the platform `api_key`
    without the browser. `{"api_key", "business_name", "demo": true, "return": "code"|"token"}`."""
    from .oauth import connect_new_account, issue_code, token_response
    store, body = _store(), _body()
    platform = account_from({"api_key": body.get("api_key")}, store)
    if body.get("account"):
        account = account_from({"account": body["account"]}, store)
    else:
        account = connect_new_account(store, body.get("business_name", "Connected sandbox"),
                                      demo=body.get("demo", True))
    code = issue_code(store, account, body.get("scope", "read_only"))
    if body.get("return", "code") == "code":
        return json_response({"account": account.id, "code": code})
    store.codes[code]["used"] = True
    account.platforms.add(platform.id)
    return json_response(token_response(store, account, store.keys[body["api_key"]],
                                        body.get("scope", "read_only")))


@bp.post("/settlement")
def settlement():
    """`{"api_key"|"account", "currencies": [...]}`: the currencies the account has bank accounts
    in, so it settles charges in them as they are; others are converted (fx.py)."""
    store, body = _store(), _body()
    account = account_from(body, store)
    currencies = {str(c).lower() for c in body.get("currencies") or ()}
    if not currencies:
        _fail("Give `currencies`: at least one.")
    account.settlement_currencies = currencies | {account.default_currency}
    return json_response({"account": account.id, "currencies": sorted(account.settlement_currencies)})


@bp.post("/payouts")
def payouts():
    """Sweep the available balance into payouts. `{"api_key"|"account", "currencies": [...],
    "advance_to": "paid"}` (advance_to optional: pending by default)."""
    store, body = _store(), _body()
    account = account_from(body, store)
    created = money.sweep_payouts(store, account, body.get("currencies"))
    for payout in created:
        if body.get("advance_to"):
            money.advance_payout(store, account, payout, body["advance_to"])
    return json_response({"payouts": created})


@bp.post("/payouts/<payout_id>/advance")
def advance_payout(payout_id):
    store, body = _store(), _body()
    account = account_from(body, store)
    payout = account["payouts"].get(payout_id)
    if payout is None:
        _fail(f"No such payout: {payout_id}", 404)
    return json_response(money.advance_payout(store, account, payout, body.get("to")))


@bp.post("/disputes")
def dispute():
    """`{"api_key"|"account", "charge": ch_ | "payment_intent": pi_, "amount": optional}`."""
    store, body = _store(), _body()
    account = account_from(body, store)
    charge_id = body.get("charge")
    if body.get("payment_intent"):
        pi = account["payment_intents"].get(body["payment_intent"])
        charge_id = pi and pi["latest_charge"]
    charge = account["charges"].get(charge_id or "")
    if charge is None or charge["status"] != "succeeded":
        _fail("Give a succeeded `charge` or `payment_intent`.", 404)
    return json_response(money.create_dispute(store, account, charge, amount=body.get("amount"),
                                              reason=body.get("reason", "fraudulent")))


@bp.post("/faults")
def faults():
    """`{"status": 429|500|503, "count": N}` fails the next N requests; `{"rate": 0.2}` fails
    that share at random (seeded); `path_prefix` scopes it ("/v1/balance_transactions"), and
    `method` ("POST") too; `{"clear": true}` removes every rule."""
    store, body = _store(), _body()
    if body.get("clear"):
        store.faults = []
        return json_response({"faults": []})
    status = int(body.get("status", 500))
    rule = {"status": status, "path_prefix": body.get("path_prefix", "/v1"), "served": 0,
            "method": (body.get("method") or "").upper() or None}
    if "rate" in body:
        rule.update(mode="rate", rate=float(body["rate"]))
    else:
        rule.update(mode="next", remaining=int(body.get("count", 1)))
    store.faults.append(rule)
    return json_response({"faults": store.faults})


@bp.post("/events/delivery")
def delivery_mode():
    """`{"duplicate": bool, "out_of_order": bool}`."""
    store, body = _store(), _body()
    for switch in ("duplicate", "out_of_order"):
        if switch in body:
            store.delivery[switch] = bool(body[switch])
    if not store.delivery["out_of_order"] and store.dispatcher:
        store.dispatcher.flush()
    return json_response(store.delivery)


@bp.post("/events/flush")
def flush():
    if _store().dispatcher:
        _store().dispatcher.flush()
    return json_response({"flushed": True})


@bp.post("/events/redeliver")
def redeliver():
    """`{"api_key"|"account", "event": evt_…}` or all of the account's events."""
    from .events import endpoints_for
    store, body = _store(), _body()
    account = account_from(body, store)
    events = ([account["events"].get(body["event"])] if body.get("event")
              else account["events"].values())
    count = 0
    for event in filter(None, events):
        targets = endpoints_for(store, account, event["type"], set(account.platforms))
        if store.dispatcher and targets:
            store.dispatcher.enqueue(event, targets)
            count += len(targets)
    return json_response({"deliveries": count})


@bp.get("/deliveries")
def deliveries():
    dispatcher = _store().dispatcher
    return json_response({"pending": dispatcher.pending() if dispatcher else 0,
                          "data": list(dispatcher.log) if dispatcher else []})


@bp.post("/clock/advance")
def advance_clock():
    """`{"seconds": N, "days": N}` moves the clock forward; `{"offset": 0}` sets it back."""
    store, body = _store(), _body()
    if "offset" in body:
        store.clock_offset = int(body["offset"])
    store.clock_offset += int(body.get("seconds", 0)) + 86400 * int(body.get("days", 0))
    for account in list(store.accounts.values()):
        money.mature(store, account)
    return json_response({"now": store.now(), "offset": store.clock_offset})


@bp.post("/events")
def trigger_event():
    """Emit an arbitrary event: `{"api_key"|"account", "type", "object": {...}}`."""
    store, body = _store(), _body()
    account = account_from(body, store)
    return json_response(emit(store, account, body["type"], body.get("object", {})))


@bp.get("/state")
def state():
    store = _store()
    accounts = [{"id": a.id, "livemode": a.livemode, "platform": a.platform, "name": a.name,
                 "connected_to": sorted(a.platforms),
                 "counts": {kind: len(c) for kind, c in a.collections.items()},
                 "balance": a.balance}
                for a in store.accounts.values()]
    return json_response({"now": store.now(), "accounts": accounts, "keys": len(store.keys),
                          "faults": store.faults, "delivery": store.delivery})
