"""Light's Salesforce gateway: the only code that talks to Salesforce. `oauth` (the web-server
flow, through Authlib), `client.SalesforceClient` (the REST API), and the dataclasses and errors
they return and raise (`types`). SOQL is built in `soql` from what describe found."""
from light.plumbing.salesforce_gateway.client import API_VERSION, OAuthApp, SalesforceClient, TokenStore  # noqa: F401
from light.plumbing.salesforce_gateway.records import parse_datetime  # noqa: F401
from light.plumbing.salesforce_gateway.types import (  # noqa: F401
    WRITE_BACK_FIELDS,
    ApiLimited,
    ApiUsage,
    ConnectFailed,
    ContactRole,
    LineItem,
    Opportunity,
    OpportunityFields,
    ReconnectNeeded,
    RequestRefused,
    SalesforceError,
    SessionInvalid,
    Tokens,
    Unreachable,
)
