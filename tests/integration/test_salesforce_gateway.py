"""The Salesforce gateway against the local Salesforce: the OAuth web-server flow through Authlib
(state, PKCE, signature), refresh once on 401 with rotation stored, invalid_grant as ReconnectNeeded,
and the won-deal query built from describe, paged."""
from datetime import UTC, datetime
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from light.plumbing.salesforce_gateway import (
    ConnectFailed,
    OAuthApp,
    ReconnectNeeded,
    RequestRefused,
    SalesforceClient,
    oauth,
)
from salesforce_sandbox import CONSUMER_KEY, CONSUMER_SECRET

REDIRECT = "http://light.test/settings/integrations/salesforce/callback"


class MemoryTokens:
    """A TokenStore that keeps what it is given (Light's is a conditional UPDATE of the row)."""

    def __init__(self, tokens):
        self.tokens, self.saved = tokens, []

    def save(self, tokens):
        self.saved.append(tokens)
        self.tokens = tokens
        return tokens

    def latest(self):
        return self.tokens


def _consent(sandbox, org, url):
    params = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
    answer = requests.post(f"{sandbox.url}/services/oauth2/authorize", allow_redirects=False, timeout=10,
                           data={**params, "org": org.id, "decision": "accept"})
    return {k: v[0] for k, v in parse_qs(urlsplit(answer.headers["Location"]).query).items()}, params


def _connect(sandbox, org, secret=CONSUMER_SECRET):
    url, state, verifier = oauth.authorize_url(sandbox.url, CONSUMER_KEY, REDIRECT)
    back, sent = _consent(sandbox, org, url)
    assert back["state"] == state and sent["code_challenge_method"] == "S256" and sent["scope"] == "api refresh_token"
    return oauth.exchange_code(sandbox.url, CONSUMER_KEY, secret, redirect_uri=REDIRECT, code=back["code"],
                               verifier=verifier)


def _client(sandbox, tokens):
    store = MemoryTokens(tokens)
    return SalesforceClient(tokens, OAuthApp(sandbox.url, CONSUMER_KEY, CONSUMER_SECRET), store), store


def test_connecting_names_the_org_and_user_and_gives_a_refresh_token(salesforce_sandbox, sf_org):
    tokens = _connect(salesforce_sandbox, sf_org)
    assert (tokens.org_id, tokens.user_id) == (sf_org.id, sf_org.user_id)
    assert tokens.refresh_token and tokens.instance_url == salesforce_sandbox.url


def test_an_answer_signed_with_another_secret_is_refused(salesforce_sandbox, sf_org):
    salesforce_sandbox.settings(forge_signatures=True)
    with pytest.raises(ConnectFailed, match="not signed"):
        _connect(salesforce_sandbox, sf_org)


def test_a_code_without_the_verifier_is_refused(salesforce_sandbox, sf_org):
    url, state, verifier = oauth.authorize_url(salesforce_sandbox.url, CONSUMER_KEY, REDIRECT)
    back, _ = _consent(salesforce_sandbox, sf_org, url)
    with pytest.raises(ConnectFailed, match="invalid_grant"):
        oauth.exchange_code(salesforce_sandbox.url, CONSUMER_KEY, CONSUMER_SECRET, redirect_uri=REDIRECT,
                            code=back["code"], verifier="x" * 64)


def test_an_expired_session_is_refreshed_once_and_the_rotated_token_stored(salesforce_sandbox, sf_org):
    salesforce_sandbox.settings(rotation=True)
    tokens = _connect(salesforce_sandbox, sf_org)
    client, store = _client(salesforce_sandbox, tokens)
    sf_org.expire_sessions()
    fields = client.describe_opportunity()
    assert "Light_Payment_Link__c" in fields.write_back and fields.multi_currency
    assert len(store.saved) == 1 and store.saved[0].refresh_token != tokens.refresh_token
    assert client.calls == 2  # the 401, then the retry


def test_a_revoked_grant_is_reconnect_needed(salesforce_sandbox, sf_org):
    client, _ = _client(salesforce_sandbox, _connect(salesforce_sandbox, sf_org))
    sf_org.revoke()
    with pytest.raises(ReconnectNeeded):
        client.describe_opportunity()


def test_a_single_currency_org_is_queried_without_currency_iso_code(salesforce_sandbox, sf_org):
    sf_org.configure(multi_currency=False, hidden_fields=["ContactId"])
    client, _ = _client(salesforce_sandbox, _connect(salesforce_sandbox, sf_org))
    fields = client.describe_opportunity()
    assert not fields.multi_currency and not fields.has_contact
    deal = sf_org.deal(amount="99.99", stage="Closed Won")
    [won] = list(client.won_since(fields, None))
    assert won.id == deal and won.currency is None and won.amount == Decimal("99.99")
    assert won.contact_roles[0].email == "ada@customer.example.com" and won.contact_roles[0].is_primary


def test_the_won_query_follows_next_records_url(salesforce_sandbox, sf_org):
    salesforce_sandbox.settings(batch_size=3)
    client, _ = _client(salesforce_sandbox, _connect(salesforce_sandbox, sf_org))
    fields = client.describe_opportunity()
    ids = [sf_org.opportunity(f"Deal {i}", stage="Closed Won") for i in range(7)]
    calls = client.calls
    assert [o.id for o in client.won_since(fields, datetime(2020, 1, 1, tzinfo=UTC))] == ids
    assert client.calls - calls == 3
    assert client.usage is not None and client.usage.used > 0


def test_a_validation_rule_refusal_is_a_request_refused_with_its_code(salesforce_sandbox, sf_org):
    client, _ = _client(salesforce_sandbox, _connect(salesforce_sandbox, sf_org))
    deal = sf_org.deal(stage="Closed Won")
    sf_org.configure(validation_rule=True)
    with pytest.raises(RequestRefused) as refused:
        client.update_opportunity(deal, {"Light_Payment_Status__c": "Sent"})
    assert refused.value.code == "FIELD_CUSTOM_VALIDATION_EXCEPTION"
