"""The sandbox's memory: orgs (each with its users, records and switches), OAuth codes and tokens.

One lock guards it all (taken per request by the app), so tests may hit it from many threads.
"""
import secrets
import string
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from .soql import format_datetime

API_VERSION = "62.0"
CONSUMER_KEY = "light-sandbox-consumer-key"
CONSUMER_SECRET = "light-sandbox-consumer-secret"
STAGES = {"Prospecting": (False, False), "Negotiation/Review": (False, False),
          "Closed Won": (True, True), "Closed Lost": (True, False)}  # name -> (IsClosed, IsWon)
WRITE_BACK_FIELDS = ("Light_Invoice_Number__c", "Light_Payment_Link__c", "Light_Payment_Status__c",
                     "Light_Paid_At__c")
KEY_PREFIX = {"Organization": "00D", "User": "005", "Account": "001", "Contact": "003",
              "Opportunity": "006", "OpportunityContactRole": "00K", "OpportunityLineItem": "00k"}
ALPHABET = string.ascii_letters + string.digits


def random_token(length=24):
    return "".join(secrets.choice(ALPHABET) for _ in range(length))


def new_id(kind):
    return KEY_PREFIX[kind] + random_token(15)


def utcnow():
    return datetime.now(UTC)


@dataclass
class Org:
    id: str
    user_id: str
    username: str
    is_sandbox: bool = False
    multi_currency: bool = True
    currency: str = "USD"  # the corporate currency (the only one of a single-currency org)
    write_back_fields: tuple = WRITE_BACK_FIELDS
    hidden_fields: set = field(default_factory=set)  # field-level security: invisible to the API user
    validation_rule: bool = False  # refuse edits to won opportunities (FIELD_CUSTOM_VALIDATION_EXCEPTION)
    objects: dict = field(default_factory=lambda: {k: {} for k in KEY_PREFIX if k not in ("Organization", "User")})
    api_calls: int = 0
    api_max: int = 100000
    faults: list = field(default_factory=list)  # [{"status", "code", "count", "path_prefix"}]
    last_stamp: datetime | None = None


class Store:
    def __init__(self, *, consumer_key=CONSUMER_KEY, consumer_secret=CONSUMER_SECRET):
        self.lock = threading.RLock()
        self.consumer_key, self.consumer_secret = consumer_key, consumer_secret
        self.orgs: dict[str, Org] = {}
        self.codes: dict[str, dict] = {}
        self.access_tokens: dict[str, dict] = {}  # token -> {"org", "expired", "revoked"}
        self.refresh_tokens: dict[str, dict] = {}  # token -> {"org", "revoked"}
        self.rotation = False  # a new refresh token at each refresh (the old one then invalid)
        self.batch_size = 2000
        self.cursors: dict[str, list] = {}
        self.token_requests = 0
        self.forge_signatures = False  # sign token answers with another key (an impostor's answer)

    # -- orgs and records ------------------------------------------------------------------------
    def create_org(self, *, username=None, is_sandbox=False, multi_currency=True, currency="USD"):
        org = Org(id=new_id("Organization"), user_id=new_id("User"),
                  username=username or f"admin-{random_token(6).lower()}@example.com",
                  is_sandbox=is_sandbox, multi_currency=multi_currency, currency=currency)
        self.orgs[org.id] = org
        return org

    def stamp(self, org):
        """A SystemModstamp later than any this org handed out (ms precision, like Salesforce's)."""
        now = utcnow().replace(microsecond=utcnow().microsecond // 1000 * 1000)
        if org.last_stamp and now <= org.last_stamp:
            now = org.last_stamp + timedelta(milliseconds=1)
        org.last_stamp = now
        return format_datetime(now)

    def add(self, org, kind, **fields):
        record = {"Id": new_id(kind), **fields}
        if kind == "Opportunity":
            record.setdefault("Name", "New deal")
            record.setdefault("StageName", "Prospecting")
            record.setdefault("CloseDate", utcnow().date().isoformat())
            record.setdefault("AccountId", None)
            record.setdefault("ContactId", None)
            if org.multi_currency:
                record.setdefault("CurrencyIsoCode", org.currency)
            for name in org.write_back_fields:
                record.setdefault(name, None)
            self.set_stage(org, record, record["StageName"])
        record.setdefault("SystemModstamp", self.stamp(org))
        record.setdefault("LastModifiedDate", record["SystemModstamp"])
        org.objects[kind][record["Id"]] = record
        return record

    def set_stage(self, org, record, stage):
        closed, won = STAGES.get(stage, (False, False))
        record.update(StageName=stage, IsClosed=closed, IsWon=won)
        self.touch(org, record)

    def touch(self, org, record):
        record["SystemModstamp"] = record["LastModifiedDate"] = self.stamp(org)

    def opportunity_fields(self, org):
        """The Opportunity fields the API user can see (describe, SELECT and PATCH agree)."""
        names = ["Id", "Name", "StageName", "IsWon", "IsClosed", "Amount", "CloseDate", "AccountId",
                 "ContactId", "Description", "SystemModstamp", "LastModifiedDate"]
        if org.multi_currency:
            names.append("CurrencyIsoCode")
        names += list(org.write_back_fields)
        return [n for n in names if n not in org.hidden_fields]

    # -- tokens ----------------------------------------------------------------------------------
    def issue_tokens(self, org, *, refresh=True):
        access = f"{org.id}!{random_token(40)}"
        self.access_tokens[access] = {"org": org.id, "expired": False, "revoked": False}
        issued = {"access_token": access}
        if refresh:
            token = f"5Aep{random_token(60)}"
            self.refresh_tokens[token] = {"org": org.id, "revoked": False}
            issued["refresh_token"] = token
        return issued

    def org_for_access(self, token):
        entry = self.access_tokens.get(token)
        if entry is None or entry["expired"] or entry["revoked"]:
            return None
        return self.orgs.get(entry["org"])

    def expire_sessions(self, org_id):
        for entry in self.access_tokens.values():
            if entry["org"] == org_id:
                entry["expired"] = True

    def revoke_refresh_tokens(self, org_id):
        for entry in self.refresh_tokens.values():
            if entry["org"] == org_id:
                entry["revoked"] = True


def to_json_number(value):
    """Amounts are kept as Decimal and sent as JSON numbers, as Salesforce sends them."""
    return float(value) if isinstance(value, Decimal) else value
