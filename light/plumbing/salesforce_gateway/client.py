"""The only module that calls Salesforce's REST API (with requests; OAuth is in oauth.py).

A session expires without warning (no `expires_in`): on a 401 INVALID_SESSION_ID the client
refreshes once, hands the new tokens to `tokens.save` (which stores them atomically, so a rotated
refresh token is never lost), and retries the call once. Records come back as Light's dataclasses."""
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Protocol

import requests

import light.plumbing.salesforce_gateway.oauth as oauth
import light.plumbing.salesforce_gateway.soql as soql
from light.plumbing.salesforce_gateway.records import opportunity_fields, opportunity_from, parse_datetime
from light.plumbing.salesforce_gateway.types import (
    ApiLimited,
    ApiUsage,
    Opportunity,
    OpportunityFields,
    ReconnectNeeded,
    RequestRefused,
    SessionInvalid,
    Tokens,
    Unreachable,
)

log = logging.getLogger(__name__)
API_VERSION = "62.0"
USAGE = re.compile(r"api-usage=(\d+)/(\d+)")


class TokenStore(Protocol):
    def save(self, tokens: Tokens) -> Tokens:
        """Store refreshed tokens; returns the tokens to use (another worker's, if it refreshed first)."""

    def latest(self) -> Tokens | None:
        """The tokens stored now (another worker may have rotated them)."""


@dataclass
class OAuthApp:
    login_url: str
    client_id: str
    client_secret: str


class SalesforceClient:
    def __init__(self, tokens: Tokens, app: OAuthApp, store: TokenStore, *, api_version: str = API_VERSION,
                 http: requests.Session | None = None):
        self.tokens, self.app, self.store = tokens, app, store
        self.base = f"/services/data/v{api_version}"
        self.http = http or requests.Session()
        self.calls = 0
        self.usage: ApiUsage | None = None

    # -- what Light asks -------------------------------------------------------------------------
    def describe_opportunity(self) -> OpportunityFields:
        return opportunity_fields(self._call("GET", f"{self.base}/sobjects/Opportunity/describe").json())

    def won_since(self, fields: OpportunityFields, since) -> Iterator[Opportunity]:
        for record in self.query(soql.won_since(fields, since)):
            yield opportunity_from(record, fields)

    def won_by_ids(self, fields: OpportunityFields, ids: list[str]) -> list[Opportunity]:
        return [opportunity_from(r, fields) for r in self.query(soql.won_by_ids(fields, ids))] if ids else []

    def won_ids(self, fields: OpportunityFields) -> Iterator[tuple[str, datetime, date | None]]:
        """(Id, SystemModstamp, CloseDate) of each won opportunity."""
        for record in self.query(soql.won_ids(fields)):
            yield str(record["Id"]), parse_datetime(record["SystemModstamp"]), _date(record.get("CloseDate"))

    def current_state(self, fields: OpportunityFields, ids: list[str]) -> dict[str, Opportunity]:
        """The opportunities among `ids` that still exist, by id (IsWon and Amount read)."""
        if not ids:
            return {}
        return {o.id: o for o in (opportunity_from(r, fields) for r in self.query(soql.current_state(fields, ids)))}

    def organization(self) -> tuple[bool, str | None]:
        """(whether the org is a sandbox, its corporate currency)."""
        for record in self.query("SELECT Id, IsSandbox, DefaultCurrencyIsoCode FROM Organization"):
            currency = record.get("DefaultCurrencyIsoCode")
            return record.get("IsSandbox") is True, currency if isinstance(currency, str) else None
        return False, None

    def update_opportunity(self, opportunity_id: str, values: dict) -> None:
        self._call("PATCH", f"{self.base}/sobjects/Opportunity/{opportunity_id}", json=values)

    def query(self, text: str) -> Iterator[dict]:
        """Every record of the query, following nextRecordsUrl batch by batch."""
        page = self._call("GET", f"{self.base}/query", params={"q": text}).json(parse_float=Decimal)
        while True:
            yield from page.get("records", [])
            if page.get("done", True) or not page.get("nextRecordsUrl"):
                return
            page = self._call("GET", page["nextRecordsUrl"]).json(parse_float=Decimal)

    # -- the wire --------------------------------------------------------------------------------
    def _call(self, method: str, path: str, **kwargs) -> requests.Response:
        try:
            return self._send(method, path, **kwargs)
        except SessionInvalid:
            self._refresh()
            return self._send(method, path, **kwargs)

    def _refresh(self) -> None:
        stored = self.store.latest()
        if stored and stored.access_token != self.tokens.access_token:
            self.tokens = stored  # another worker refreshed meanwhile: use its session
            return
        try:
            fresh = oauth.refresh(self.app.login_url, self.app.client_id, self.app.client_secret,
                                  self.tokens.refresh_token or "")
        except ReconnectNeeded:
            stored = self.store.latest()
            if stored and stored.refresh_token != self.tokens.refresh_token:
                self.tokens = stored  # it was rotated by another worker, not revoked
                return
            raise
        self.tokens = self.store.save(fresh)

    def _send(self, method: str, path: str, **kwargs) -> requests.Response:
        self.calls += 1
        try:
            response = self.http.request(method, self.tokens.instance_url + path, timeout=60,
                                         headers={"Authorization": f"Bearer {self.tokens.access_token}",
                                                  "Accept": "application/json"}, **kwargs)
        except requests.RequestException as exc:
            raise Unreachable(f"Salesforce could not be reached ({type(exc).__name__}).") from None
        match = USAGE.search(response.headers.get("Sforce-Limit-Info", ""))
        if match:
            self.usage = ApiUsage(int(match.group(1)), int(match.group(2)))
        if response.status_code < 400:
            return response
        raise _error_of(response)


def _date(value) -> date | None:
    try:
        return date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def _error_of(response: requests.Response) -> Exception:
    try:
        body = response.json()
        first = body[0] if isinstance(body, list) and body else {}
        code, message = str(first.get("errorCode", "")), str(first.get("message", ""))[:300]
    except (ValueError, AttributeError, KeyError, TypeError):
        code, message = "", ""
    if response.status_code == 401:
        return SessionInvalid("Salesforce ended the session.")
    if code == "REQUEST_LIMIT_EXCEEDED":
        return ApiLimited("The Salesforce org has used up its daily API requests: Light waits and tries later.")
    if response.status_code == 410:
        return RequestRefused("Salesforce retired the API version Light uses: update Light.", "API_VERSION", 410)
    if 400 <= response.status_code < 500 and code:
        return RequestRefused(f"Salesforce refused ({code}): {message.strip()}", code, response.status_code)
    log.warning("salesforce answered %s", response.status_code)
    return Unreachable(f"Salesforce answered {response.status_code}: try again later.")
