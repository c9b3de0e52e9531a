"""Salesforce's wire format: JSON in and out, errors as a list of {message, errorCode}, OAuth
errors as {error, error_description}, and Sforce-Limit-Info on every REST answer."""
import json
from decimal import Decimal

from flask import Response, current_app, g, request


class SalesforceError(Exception):
    """A REST error, answered as `[{"message": …, "errorCode": …}]`."""

    def __init__(self, status, code, message, fields=None):
        super().__init__(message)
        self.status, self.code, self.message, self.fields = status, code, message, fields

    def body(self):
        error = {"message": self.message, "errorCode": self.code}
        if self.fields is not None:
            error["fields"] = self.fields
        return [error]


def _default(value):
    if isinstance(value, Decimal):
        return float(value)  # Salesforce sends currency as a JSON number
    raise TypeError(f"{type(value).__name__} is not JSON")


def json_response(body, status=200, headers=None):
    response = Response(json.dumps(body, default=_default), status=status, mimetype="application/json")
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def bearer_org():
    """The org of the request's session, or 401 INVALID_SESSION_ID (expired, revoked, unknown)."""
    store = current_app.config["SANDBOX_STORE"]
    header = request.headers.get("Authorization", "")
    token = header[7:] if header.lower().startswith("bearer ") else ""
    org = store.org_for_access(token)
    if org is None:
        raise SalesforceError(401, "INVALID_SESSION_ID", "Session expired or invalid")
    g.org = org
    return org


def count_call(org):
    """Every REST call counts against the org's daily allowance; an injected fault answers first."""
    org.api_calls += 1
    for fault in list(org.faults):
        if request.path.startswith(fault.get("path_prefix", "/services/data")):
            fault["count"] -= 1
            if fault["count"] <= 0:
                org.faults.remove(fault)
            raise SalesforceError(fault["status"], fault["code"], fault.get("message") or fault["code"])
    if org.api_calls > org.api_max:
        raise SalesforceError(403, "REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.")
