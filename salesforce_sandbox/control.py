"""The control API for tests and `make run` (/_sandbox/…): orgs and their switches, records,
stage changes, session expiry, revoked grants, injected faults and commit lag."""
from datetime import timedelta
from decimal import Decimal

from flask import Blueprint, current_app, request

from .oauth import issue_code
from .soql import format_datetime, parse_datetime
from .state import utcnow
from .wire import SalesforceError, json_response

bp = Blueprint("sf_control", __name__, url_prefix="/_sandbox")
ORG_SWITCHES = ("is_sandbox", "multi_currency", "currency", "validation_rule", "api_max")


def _store():
    return current_app.config["SANDBOX_STORE"]


def _body():
    return request.get_json(silent=True) or {}


def _org(org_id):
    org = _store().orgs.get(org_id)
    if org is None:
        raise SalesforceError(404, "NOT_FOUND", f"no org {org_id}")
    return org


def _org_json(org):
    return {"id": org.id, "user_id": org.user_id, "username": org.username, "is_sandbox": org.is_sandbox,
            "multi_currency": org.multi_currency, "currency": org.currency, "api_calls": org.api_calls,
            "write_back_fields": list(org.write_back_fields), "hidden_fields": sorted(org.hidden_fields),
            "validation_rule": org.validation_rule}


def _configure(org, body):
    for name in ORG_SWITCHES:
        if name in body:
            setattr(org, name, body[name])
    if "write_back_fields" in body:
        org.write_back_fields = tuple(body["write_back_fields"])
    if "hidden_fields" in body:
        org.hidden_fields = set(body["hidden_fields"])


@bp.post("/settings")
def settings():
    store, body = _store(), _body()
    store.rotation = bool(body.get("rotation", store.rotation))
    store.batch_size = int(body.get("batch_size", store.batch_size))
    store.forge_signatures = bool(body.get("forge_signatures", store.forge_signatures))
    return json_response({"rotation": store.rotation, "batch_size": store.batch_size,
                          "forge_signatures": store.forge_signatures})


@bp.post("/orgs")
def create_org():
    body = _body()
    org = _store().create_org(username=body.get("username"), is_sandbox=bool(body.get("is_sandbox")),
                              multi_currency=body.get("multi_currency", True), currency=body.get("currency", "USD"))
    _configure(org, body)
    return json_response(_org_json(org), 201)


@bp.route("/orgs/<org_id>", methods=["GET", "POST"])
def org_state(org_id):
    org = _org(org_id)
    if request.method == "POST":
        _configure(org, _body())
    return json_response({**_org_json(org), "opportunities": list(org.objects["Opportunity"].values())})


@bp.post("/orgs/<org_id>/code")
def code(org_id):
    """An authorization code as if the user clicked Allow (tests that skip the consent page)."""
    body = _body()
    return json_response({"code": issue_code(_store(), _org(org_id), redirect_uri=body["redirect_uri"],
                                             challenge=body.get("code_challenge"))})


@bp.post("/orgs/<org_id>/accounts")
def add_account(org_id):
    return json_response(_store().add(_org(org_id), "Account", Name=_body().get("name", "Sandbox Account")), 201)


@bp.post("/orgs/<org_id>/contacts")
def add_contact(org_id):
    body = _body()
    return json_response(_store().add(_org(org_id), "Contact", Name=body.get("name", "Sandbox Contact"),
                                      Email=body.get("email"), AccountId=body.get("account_id")), 201)


@bp.post("/orgs/<org_id>/opportunities")
def add_opportunity(org_id):
    store, org, body = _store(), _org(org_id), _body()
    fields = {"Name": body.get("name", "Sandbox deal"), "StageName": body.get("stage", "Prospecting"),
              "Amount": None if body.get("amount") is None else Decimal(str(body["amount"])),
              "AccountId": body.get("account_id"), "ContactId": body.get("contact_id")}
    if org.multi_currency:
        fields["CurrencyIsoCode"] = body.get("currency") or org.currency
    record = store.add(org, "Opportunity", **fields)
    for role in body.get("contact_roles", []):
        store.add(org, "OpportunityContactRole", OpportunityId=record["Id"], ContactId=role["contact_id"],
                  IsPrimary=bool(role.get("is_primary")), Role=role.get("role", "Decision Maker"))
    for position, item in enumerate(body.get("line_items", [])):
        _add_line_item(store, org, record, item, position)
    return json_response(record, 201)


def _add_line_item(store, org, opportunity, item, position):
    quantity, price = Decimal(str(item.get("quantity", 1))), Decimal(str(item["unit_price"]))
    discount = Decimal(str(item["discount"])) if item.get("discount") is not None else None
    total = quantity * price * (1 - (discount or Decimal(0)) / 100)
    fields = {"OpportunityId": opportunity["Id"], "Name": item.get("name", "Product"), "Quantity": quantity,
              "UnitPrice": price, "Discount": discount, "TotalPrice": total.quantize(Decimal("0.01")),
              "Description": item.get("description"), "ProductCode": item.get("product_code"), "SortOrder": position}
    if org.multi_currency:
        fields["CurrencyIsoCode"] = opportunity.get("CurrencyIsoCode")
    store.add(org, "OpportunityLineItem", **fields)


@bp.route("/orgs/<org_id>/opportunities/<record_id>", methods=["POST", "DELETE"])
def change_opportunity(org_id, record_id):
    """POST {"stage": "Closed Won", "Amount": …} changes it (a SystemModstamp bump); DELETE deletes."""
    store, org = _store(), _org(org_id)
    record = org.objects["Opportunity"].get(record_id)
    if record is None:
        raise SalesforceError(404, "NOT_FOUND", "no such opportunity")
    if request.method == "DELETE":
        del org.objects["Opportunity"][record_id]
        return json_response({"deleted": record_id})
    body = _body()
    stage = body.pop("stage", None)
    record.update({k: (Decimal(str(v)) if k == "Amount" and v is not None else v) for k, v in body.items()})
    if stage:
        store.set_stage(org, record, stage)
    store.touch(org, record)
    return json_response(record)


@bp.post("/orgs/<org_id>/opportunities/<record_id>/stamp")
def commit_lag(org_id, record_id):
    """Set SystemModstamp `seconds_ago` in the past: a long transaction that committed late."""
    org = _org(org_id)
    record = org.objects["Opportunity"][record_id]
    stamp = parse_datetime(record["SystemModstamp"]) - timedelta(seconds=float(_body().get("seconds_ago", 0)))
    record["SystemModstamp"] = format_datetime(stamp if "at" not in _body() else parse_datetime(_body()["at"]))
    return json_response(record)


@bp.post("/orgs/<org_id>/expire")
def expire(org_id):
    _store().expire_sessions(_org(org_id).id)
    return json_response({"expired": True})


@bp.post("/orgs/<org_id>/revoke")
def revoke_grants(org_id):
    """The admin revoked Light's access (or a sixth approval evicted it): refresh answers invalid_grant."""
    store = _store()
    store.revoke_refresh_tokens(_org(org_id).id)
    store.expire_sessions(org_id)
    return json_response({"revoked": True})


@bp.post("/orgs/<org_id>/faults")
def faults(org_id):
    org, body = _org(org_id), _body()
    if body.get("clear"):
        org.faults.clear()
    else:
        org.faults.append({"status": int(body.get("status", 500)), "code": body.get("code", "UNKNOWN_EXCEPTION"),
                           "count": int(body.get("count", 1)), "path_prefix": body.get("path_prefix", "/services/data"),
                           "message": body.get("message")})
    return json_response({"faults": org.faults})


@bp.get("/now")
def now():
    return json_response({"now": format_datetime(utcnow())})
