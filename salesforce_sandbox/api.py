"""The REST API under /services/data/vXX.X/: query and query-more, Opportunity describe, GET and
PATCH, and limits. Every answer carries Sforce-Limit-Info; errors use Salesforce's shapes."""
import re
from decimal import Decimal

from flask import Blueprint, current_app, g, request

from . import soql
from .state import API_VERSION, random_token
from .wire import SalesforceError, bearer_org, count_call, json_response

bp = Blueprint("sf_api", __name__)
OLDEST_VERSION = 31.0
FIELDS = {
    "Account": ["Id", "Name", "SystemModstamp"],
    "Contact": ["Id", "Name", "FirstName", "LastName", "Email", "AccountId", "SystemModstamp"],
    "OpportunityContactRole": ["Id", "OpportunityId", "ContactId", "IsPrimary", "Role", "SystemModstamp"],
    "OpportunityLineItem": ["Id", "OpportunityId", "Name", "Description", "Quantity", "UnitPrice", "TotalPrice",
                            "Discount", "ProductCode", "SortOrder", "SystemModstamp"],
    "Organization": ["Id", "Name", "IsSandbox", "DefaultCurrencyIsoCode"],
}
PARENTS = {("Opportunity", "Account"): ("Account", "AccountId"), ("Opportunity", "Contact"): ("Contact", "ContactId"),
           ("Contact", "Account"): ("Account", "AccountId"),
           ("OpportunityContactRole", "Contact"): ("Contact", "ContactId"),
           ("OpportunityContactRole", "Opportunity"): ("Opportunity", "OpportunityId"),
           ("OpportunityLineItem", "Opportunity"): ("Opportunity", "OpportunityId")}
CHILDREN = {("Opportunity", "OpportunityContactRoles"): ("OpportunityContactRole", "OpportunityId"),
            ("Opportunity", "OpportunityLineItems"): ("OpportunityLineItem", "OpportunityId")}
READ_ONLY = {"Id", "IsWon", "IsClosed", "SystemModstamp", "LastModifiedDate"}
TYPES = {"Id": "id", "Name": "string", "StageName": "picklist", "IsWon": "boolean", "IsClosed": "boolean",
         "Amount": "currency", "CloseDate": "date", "AccountId": "reference", "ContactId": "reference",
         "Description": "textarea", "SystemModstamp": "datetime", "LastModifiedDate": "datetime",
         "CurrencyIsoCode": "picklist", "Light_Payment_Link__c": "url", "Light_Paid_At__c": "datetime"}


def _store():
    return current_app.config["SANDBOX_STORE"]


@bp.before_request
def check_version_and_session():
    match = re.match(r"^/services/data/v(\d+\.\d)(/|$)", request.path)
    if match:
        g.version = match.group(1)
        if float(g.version) < OLDEST_VERSION or float(g.version) > float(API_VERSION):
            raise SalesforceError(410 if float(g.version) < OLDEST_VERSION else 404, "NOT_FOUND",
                                  f"The requested version v{g.version} is not available")
    if request.path.rstrip("/") != "/services/data":
        count_call(bearer_org())


@bp.after_request
def limit_info(response):
    org = g.get("org")
    if org is not None:
        response.headers["Sforce-Limit-Info"] = f"api-usage={org.api_calls}/{org.api_max}"
    return response


@bp.get("/services/data/")
@bp.get("/services/data")
def versions():
    return json_response([{"label": "Winter '25", "url": f"/services/data/v{API_VERSION}", "version": API_VERSION}])


@bp.get("/services/data/v<version>/limits/")
@bp.get("/services/data/v<version>/limits")
def limits(version):
    org = g.org
    return json_response({"DailyApiRequests": {"Max": org.api_max, "Remaining": max(0, org.api_max - org.api_calls)}})


@bp.get("/services/data/v<version>/sobjects/Opportunity/describe/")
@bp.get("/services/data/v<version>/sobjects/Opportunity/describe")
def describe(version):
    org = g.org
    fields = [{"name": name, "label": name.replace("__c", "").replace("_", " "), "type": TYPES.get(name, "string"),
               "updateable": name not in READ_ONLY, "nillable": name not in READ_ONLY | {"Name", "StageName"},
               "custom": name.endswith("__c"), "length": 255 if TYPES.get(name, "string") == "string" else 0}
              for name in _store().opportunity_fields(org)]
    return json_response({"name": "Opportunity", "label": "Opportunity", "updateable": True, "queryable": True,
                          "fields": fields})


@bp.get("/services/data/v<version>/query/")
@bp.get("/services/data/v<version>/query")
def query(version):
    text = request.args.get("q", "")
    try:
        parsed = soql.parse(text)
        records = run(_store(), g.org, parsed)
    except soql.SoqlError as error:
        raise SalesforceError(400, error.code, f"\n{text[:200]}\nERROR at Row:1:Column:1\n{error}") from None
    return json_response(_page(records, version))


@bp.get("/services/data/v<version>/query/<cursor>")
def query_more(version, cursor):
    store = _store()
    records = store.cursors.pop(cursor, None)
    if records is None:
        raise SalesforceError(400, "INVALID_QUERY_LOCATOR", "invalid query locator")
    return json_response(_page(records, version, total=None))


def _page(records, version, total=None):
    store = _store()
    batch, rest = records[:store.batch_size], records[store.batch_size:]
    body = {"totalSize": len(records) if total is None else total, "done": not rest, "records": batch}
    if rest:
        cursor = f"01g{random_token(15)}-{store.batch_size}"
        store.cursors[cursor] = rest
        body["nextRecordsUrl"] = f"/services/data/v{version}/query/{cursor}"
    return body


@bp.get("/services/data/v<version>/sobjects/Opportunity/<record_id>")
def get_opportunity(version, record_id):
    org = g.org
    record = _opportunity(org, record_id)
    return json_response(serialize(org, "Opportunity", record, _store().opportunity_fields(org)))


@bp.patch("/services/data/v<version>/sobjects/Opportunity/<record_id>")
def patch_opportunity(version, record_id):
    org, store = g.org, _store()
    record = _opportunity(org, record_id)
    changes = request.get_json(silent=True)
    if not isinstance(changes, dict):
        raise SalesforceError(400, "JSON_PARSER_ERROR", "The request body is not a JSON object")
    visible = set(store.opportunity_fields(org))
    for name in changes:
        if name not in visible:
            raise SalesforceError(400, "INVALID_FIELD", f"No such column '{name}' on sobject of type Opportunity")
        if name in READ_ONLY:
            raise SalesforceError(400, "INVALID_FIELD_FOR_INSERT_UPDATE",
                                  f"Unable to create/update fields: {name}.", [name])
    if org.validation_rule and record["IsWon"]:
        raise SalesforceError(400, "FIELD_CUSTOM_VALIDATION_EXCEPTION",
                              "Closed Won opportunities can't be edited.", [])
    stage = changes.pop("StageName", None)
    record.update(changes)
    if stage is not None:
        store.set_stage(org, record, stage)
    store.touch(org, record)
    return "", 204


def _opportunity(org, record_id):
    record = org.objects["Opportunity"].get(record_id)
    if record is None:
        raise SalesforceError(404, "NOT_FOUND", "The requested resource does not exist")
    return record


# -- evaluating a parsed query ------------------------------------------------------------------
def visible_fields(org, kind):
    if kind == "Opportunity":
        return _store().opportunity_fields(org)
    fields = FIELDS.get(kind)
    if fields is None:
        raise soql.SoqlError(f"sObject type '{kind}' is not supported.", "INVALID_TYPE")
    if kind == "OpportunityLineItem" and org.multi_currency:
        return fields + ["CurrencyIsoCode"]
    return fields


def rows_of(org, kind):
    if kind == "Organization":
        return [{"Id": org.id, "Name": org.username.split("@")[-1], "IsSandbox": org.is_sandbox,
                 "DefaultCurrencyIsoCode": org.currency}]
    return list(org.objects[kind].values())


def value_of(org, kind, record, path):
    head, _, rest = path.partition(".")
    if not rest:
        if head not in visible_fields(org, kind):
            raise soql.SoqlError(f"No such column '{head}' on entity '{kind}'. If you are attempting to use a "
                                 "custom field, be sure to append the '__c' after the custom field name.",
                                 "INVALID_FIELD")
        return record.get(head)
    parent_kind, key = _parent(kind, head)
    parent = org.objects[parent_kind].get(record.get(key) or "")
    return None if parent is None else value_of(org, parent_kind, parent, rest)


def _parent(kind, name):
    if (kind, name) not in PARENTS:
        raise soql.SoqlError(f"Didn't understand relationship '{name}' in field path.", "INVALID_FIELD")
    return PARENTS[(kind, name)]


def run(store, org, q, parent=None):
    kind, key = q.source, None
    if parent is not None:
        if (parent[0], q.source) not in CHILDREN:
            raise soql.SoqlError(f"Didn't understand relationship '{q.source}' in FROM part of query call.",
                                 "INVALID_TYPE")
        kind, key = CHILDREN[(parent[0], q.source)]
    rows = [r for r in rows_of(org, kind) if key is None or r.get(key) == parent[1]]
    for path in [p for p in q.fields if isinstance(p, str)]:
        for record in rows[:1] or [{}]:
            value_of(org, kind, record, path)  # an unknown field is an error even with no rows
    rows = [r for r in rows if all(soql.matches(value_of(org, kind, r, path), op, literal)
                                   for path, op, literal in q.where)]
    for path, descending in reversed(q.order):
        rows.sort(key=lambda r, p=path: soql.sort_key(value_of(org, kind, r, p)), reverse=descending)
    if q.limit is not None:
        rows = rows[:q.limit]
    return [serialize(org, kind, r, q.fields) for r in rows]


def serialize(org, kind, record, fields):
    out = {"attributes": {"type": kind, "url": f"/services/data/v{API_VERSION}/sobjects/{kind}/{record.get('Id')}"}}
    nested = {}
    for item in fields:
        if isinstance(item, soql.Query):
            children = run(_store(), org, item, parent=(kind, record["Id"]))
            # An empty child relationship comes back as null, as Salesforce sends it.
            out[item.source] = {"totalSize": len(children), "done": True, "records": children} if children else None
            continue
        head, _, rest = item.partition(".")
        if rest:
            nested.setdefault(head, []).append(rest)
        else:
            value = value_of(org, kind, record, head)
            out[head] = value if not isinstance(value, Decimal) else value
    for head, paths in nested.items():
        parent_kind, key = _parent(kind, head)
        parent = org.objects[parent_kind].get(record.get(key) or "")
        out[head] = None if parent is None else serialize(org, parent_kind, parent, paths)
    return out
