"""What the Salesforce gateway returns and raises: Light's own dataclasses, never a raw answer."""
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from light.errors import Refused

# Fields Light may write its status to, when the org has created them (README: Salesforce).
WRITE_BACK_FIELDS = ("Light_Invoice_Number__c", "Light_Payment_Link__c", "Light_Payment_Status__c", "Light_Paid_At__c")


class SalesforceError(Refused):
    """Salesforce could not do what Light asked; the message is fit for the integration's page."""


class ReconnectNeeded(SalesforceError):
    """The grant is gone (`invalid_grant`: revoked, expired, or a sixth approval evicted it)."""


class ConnectFailed(SalesforceError):
    """Connecting did not work (declined, a bad code, a forged or unsigned answer)."""


class SessionInvalid(SalesforceError):
    """401 INVALID_SESSION_ID (the gateway refreshes once before letting this out)."""


class ApiLimited(SalesforceError):
    """403 REQUEST_LIMIT_EXCEEDED: back off; re-authenticating would not help."""


class RequestRefused(SalesforceError):
    """A 4xx with Salesforce's errorCode (INVALID_FIELD, MALFORMED_QUERY, FIELD_CUSTOM_VALIDATION_EXCEPTION…)."""

    def __init__(self, message: str, code: str, status: int):
        super().__init__(message)
        self.code, self.status = code, status


class Unreachable(SalesforceError):
    """No answer, a 5xx, or an answer that is not Salesforce's."""


@dataclass(frozen=True)
class Tokens:
    access_token: str
    refresh_token: str | None
    instance_url: str
    org_id: str
    user_id: str


@dataclass(frozen=True)
class OpportunityFields:
    """What describe says about Opportunity in this org, for building queries and write-backs."""

    names: frozenset
    multi_currency: bool
    write_back: tuple  # the WRITE_BACK_FIELDS that exist and are updateable

    @property
    def has_contact(self) -> bool:
        return "ContactId" in self.names


@dataclass(frozen=True)
class ContactRole:
    email: str | None
    name: str | None
    is_primary: bool


@dataclass(frozen=True)
class LineItem:
    name: str | None
    quantity: Decimal | None
    unit_price: Decimal | None
    discount: Decimal | None
    total_price: Decimal | None


@dataclass(frozen=True)
class Opportunity:
    id: str
    name: str | None
    amount: Decimal | None
    currency: str | None  # None in a single-currency org: the org's corporate currency applies
    is_won: bool
    system_modstamp: datetime
    account_name: str | None = None
    contact_email: str | None = None  # the opportunity's own Contact (ContactId), when the org has it
    contact_name: str | None = None
    contact_roles: tuple = field(default_factory=tuple)
    line_items: tuple = field(default_factory=tuple)


@dataclass(frozen=True)
class ApiUsage:
    used: int
    limit: int

    @property
    def share(self) -> float:
        return self.used / self.limit if self.limit else 0.0
