"""The Salesforce sandbox speaks the shapes of ../shared/reference/salesforce.md: OAuth with PKCE and
a verifiable signature, refresh (and rotation), revoke, 401 on expired sessions, describe, the SOQL
Light sends with paging, and Opportunity PATCH with a refusing validation rule."""
import base64
import hashlib
import hmac
from decimal import Decimal

import pytest
import requests

from salesforce_sandbox import CONSUMER_KEY, CONSUMER_SECRET

REDIRECT = "http://light.test/settings/integrations/salesforce/callback"
VERIFIER = "v" * 64
CHALLENGE = base64.urlsafe_b64encode(hashlib.sha256(VERIFIER.encode()).digest()).rstrip(b"=").decode()


def _token(sandbox, **form):
    return requests.post(f"{sandbox.url}/services/oauth2/token",
                         data={"client_id": CONSUMER_KEY, "client_secret": CONSUMER_SECRET, **form}, timeout=10)


def _connect(sandbox, org):
    code = org.code(REDIRECT, CHALLENGE)
    response = _token(sandbox, grant_type="authorization_code", code=code, redirect_uri=REDIRECT,
                      code_verifier=VERIFIER)
    assert response.status_code == 200, response.text
    return response.json()


def _get(token, url, **params):
    return requests.get(f"{token['instance_url']}{url}", params=params,
                        headers={"Authorization": f"Bearer {token['access_token']}"}, timeout=10)


def test_the_code_exchange_answers_tokens_with_a_signature_of_id_and_issued_at(salesforce_sandbox, sf_org):
    token = _connect(salesforce_sandbox, sf_org)
    expected = base64.b64encode(hmac.new(CONSUMER_SECRET.encode(), (token["id"] + token["issued_at"]).encode(),
                                         hashlib.sha256).digest()).decode()
    assert token["signature"] == expected
    assert token["id"].endswith(f"/id/{sf_org.id}/{sf_org.user_id}")
    assert token["refresh_token"] and token["instance_url"] == salesforce_sandbox.url
    assert _get(token, token["id"].replace(salesforce_sandbox.url, "")).json()["organization_id"] == sf_org.id


def test_a_wrong_verifier_or_a_reused_code_is_invalid_grant(salesforce_sandbox, sf_org):
    code = sf_org.code(REDIRECT, CHALLENGE)
    wrong = _token(salesforce_sandbox, grant_type="authorization_code", code=code, redirect_uri=REDIRECT,
                   code_verifier="x" * 64)
    assert wrong.status_code == 400 and wrong.json()["error"] == "invalid_grant"
    again = _token(salesforce_sandbox, grant_type="authorization_code", code=code, redirect_uri=REDIRECT,
                   code_verifier=VERIFIER)
    assert again.json()["error"] == "invalid_grant"


def test_an_expired_session_is_401_and_a_refresh_gives_a_working_one(salesforce_sandbox, sf_org):
    token = _connect(salesforce_sandbox, sf_org)
    sf_org.expire_sessions()
    expired = _get(token, "/services/data/v62.0/limits")
    assert expired.status_code == 401 and expired.json()[0]["errorCode"] == "INVALID_SESSION_ID"
    fresh = _token(salesforce_sandbox, grant_type="refresh_token", refresh_token=token["refresh_token"]).json()
    assert "refresh_token" not in fresh
    assert _get(fresh, "/services/data/v62.0/limits").status_code == 200


def test_with_rotation_a_used_refresh_token_is_invalid_grant(salesforce_sandbox, sf_org):
    salesforce_sandbox.settings(rotation=True)
    token = _connect(salesforce_sandbox, sf_org)
    fresh = _token(salesforce_sandbox, grant_type="refresh_token", refresh_token=token["refresh_token"]).json()
    assert fresh["refresh_token"] != token["refresh_token"]
    reused = _token(salesforce_sandbox, grant_type="refresh_token", refresh_token=token["refresh_token"])
    assert reused.status_code == 400 and reused.json()["error"] == "invalid_grant"


def test_revoke_ends_the_refresh_token_and_its_sessions(salesforce_sandbox, sf_org):
    token = _connect(salesforce_sandbox, sf_org)
    assert requests.post(f"{salesforce_sandbox.url}/services/oauth2/revoke", data={"token": token["refresh_token"]},
                         timeout=10).status_code == 200
    assert _get(token, "/services/data/v62.0/limits").status_code == 401
    assert _token(salesforce_sandbox, grant_type="refresh_token",
                  refresh_token=token["refresh_token"]).json()["error"] == "invalid_grant"


def test_describe_follows_the_org_switches(salesforce_sandbox, sf_org):
    token = _connect(salesforce_sandbox, sf_org)
    names = {f["name"] for f in _get(token, "/services/data/v62.0/sobjects/Opportunity/describe").json()["fields"]}
    assert {"CurrencyIsoCode", "Light_Payment_Link__c", "IsWon", "SystemModstamp"} <= names
    sf_org.configure(multi_currency=False, write_back_fields=["Light_Payment_Status__c"])
    names = {f["name"] for f in _get(token, "/services/data/v62.0/sobjects/Opportunity/describe").json()["fields"]}
    assert "CurrencyIsoCode" not in names and "Light_Payment_Link__c" not in names
    bad = _get(token, "/services/data/v62.0/query", q="SELECT Id, CurrencyIsoCode FROM Opportunity")
    assert bad.status_code == 400 and bad.json()[0]["errorCode"] == "INVALID_FIELD"


def test_the_won_query_filters_orders_nests_and_pages(salesforce_sandbox, sf_org):
    salesforce_sandbox.settings(batch_size=2)
    token = _connect(salesforce_sandbox, sf_org)
    won = [sf_org.deal(f"Deal {i}", amount="10.50", stage="Closed Won") for i in range(3)]
    sf_org.deal("Open deal")
    soql = ("SELECT Id, Name, Amount, Account.Name, (SELECT Contact.Email, IsPrimary FROM OpportunityContactRoles), "
            "(SELECT Name, Quantity FROM OpportunityLineItems) FROM Opportunity "
            "WHERE IsWon = true AND SystemModstamp > 2020-01-01T00:00:00Z ORDER BY SystemModstamp ASC, Id ASC")
    first = _get(token, "/services/data/v62.0/query", q=soql).json()
    assert first["totalSize"] == 3 and not first["done"] and len(first["records"]) == 2
    rest = _get(token, first["nextRecordsUrl"]).json()
    assert rest["done"] and "nextRecordsUrl" not in rest
    records = first["records"] + rest["records"]
    assert [r["Id"] for r in records] == won
    record = records[0]
    assert record["OpportunityContactRoles"]["records"][0]["Contact"]["Email"] == "ada@customer.example.com"
    assert record["OpportunityLineItems"] is None and record["Account"] is None
    raw = _get(token, "/services/data/v62.0/query", q=soql)
    assert raw.json(parse_float=Decimal)["records"][0]["Amount"] == Decimal("10.5")
    assert raw.headers["Sforce-Limit-Info"].startswith("api-usage=")


@pytest.mark.parametrize("literal", ["'it\\'s'", "'a\\\\b'"])
def test_string_literals_are_unescaped(salesforce_sandbox, sf_org, literal):
    token = _connect(salesforce_sandbox, sf_org)
    answer = _get(token, "/services/data/v62.0/query", q=f"SELECT Id FROM Opportunity WHERE Name = {literal} LIMIT 1")
    assert answer.status_code == 200 and answer.json()["totalSize"] == 0


def test_patch_writes_back_unless_the_validation_rule_refuses(salesforce_sandbox, sf_org):
    token = _connect(salesforce_sandbox, sf_org)
    deal = sf_org.deal(stage="Closed Won")
    url = f"{salesforce_sandbox.url}/services/data/v62.0/sobjects/Opportunity/{deal}"
    headers = {"Authorization": f"Bearer {token['access_token']}"}
    before = sf_org.opportunity_record(deal)["SystemModstamp"]
    assert requests.patch(url, json={"Light_Payment_Status__c": "Sent"}, headers=headers, timeout=10).status_code == 204
    after = sf_org.opportunity_record(deal)
    assert after["Light_Payment_Status__c"] == "Sent" and after["SystemModstamp"] > before
    sf_org.configure(validation_rule=True)
    refused = requests.patch(url, json={"Light_Payment_Status__c": "Paid"}, headers=headers, timeout=10)
    assert refused.status_code == 400 and refused.json()[0]["errorCode"] == "FIELD_CUSTOM_VALIDATION_EXCEPTION"


def test_the_consent_page_redirects_with_code_and_state_or_access_denied(salesforce_sandbox, sf_org):
    form = {"client_id": CONSUMER_KEY, "redirect_uri": REDIRECT, "state": "s1", "code_challenge": CHALLENGE,
            "code_challenge_method": "S256", "org": sf_org.id}
    page = requests.get(f"{salesforce_sandbox.url}/services/oauth2/authorize",
                        params={**form, "response_type": "code", "scope": "api refresh_token"}, timeout=10)
    assert page.status_code == 200 and "Allow" in page.text
    allowed = requests.post(f"{salesforce_sandbox.url}/services/oauth2/authorize", data={**form, "decision": "accept"},
                            allow_redirects=False, timeout=10)
    assert allowed.status_code == 302 and "code=" in allowed.headers["Location"] and "state=s1" in allowed.headers["Location"]
    denied = requests.post(f"{salesforce_sandbox.url}/services/oauth2/authorize", data={**form, "decision": "decline"},
                           allow_redirects=False, timeout=10)
    assert "error=access_denied" in denied.headers["Location"]


def test_the_deals_page_marks_an_opportunity_closed_won(salesforce_sandbox, sf_org):
    deal = sf_org.deal("Page deal")
    page = requests.get(salesforce_sandbox.url + "/", headers={"Accept": "text/html"}, timeout=10)
    assert "Page deal" in page.text and "Mark Closed Won" in page.text
    requests.post(f"{salesforce_sandbox.url}/ui/orgs/{sf_org.id}/opportunities/{deal}", data={"stage": "Closed Won"},
                  timeout=10)
    assert sf_org.opportunity_record(deal)["IsWon"] is True


def test_python_m_salesforce_sandbox_serves_a_demo_org():
    import subprocess
    import sys
    import time

    process = subprocess.Popen([sys.executable, "-m", "salesforce_sandbox", "--port", "0"], stdout=subprocess.PIPE,
                               text=True)
    try:
        line = process.stdout.readline()
        url = line.split(" on ")[1].split(" ")[0]
        for _ in range(50):
            try:
                page = requests.get(url + "/", headers={"Accept": "text/html"}, timeout=2)
                break
            except requests.ConnectionError:
                time.sleep(0.1)
        assert "Hopper Industries: annual licence" in page.text
    finally:
        process.terminate()
        process.wait(10)
