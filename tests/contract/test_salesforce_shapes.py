"""The JSON shapes of ../shared/reference/salesforce.md, pinned: the local Salesforce answers in
them, and the gateway reads them (including the reference's own examples)."""
import re
from decimal import Decimal

import requests

from light.plumbing.salesforce_gateway import OpportunityFields
from light.plumbing.salesforce_gateway.records import opportunity_from
from salesforce_sandbox import CONSUMER_KEY, CONSUMER_SECRET

REDIRECT = "http://light.test/callback"
FIELDS = OpportunityFields(frozenset({"Id", "Name", "Amount", "IsWon", "SystemModstamp", "CurrencyIsoCode",
                                      "AccountId"}), multi_currency=True, write_back=())


def _token(sandbox, org):
    return requests.post(f"{sandbox.url}/services/oauth2/token", timeout=10, data={
        "grant_type": "authorization_code", "client_id": CONSUMER_KEY, "client_secret": CONSUMER_SECRET,
        "code": org.code(REDIRECT), "redirect_uri": REDIRECT}).json()


def test_the_token_response_has_the_reference_fields_and_no_expires_in(salesforce_sandbox, sf_org):
    token = _token(salesforce_sandbox, sf_org)
    assert set(token) == {"access_token", "refresh_token", "instance_url", "id", "issued_at", "signature",
                          "token_type", "scope"}


def test_query_paging_and_nested_children_follow_the_reference(salesforce_sandbox, sf_org):
    salesforce_sandbox.settings(batch_size=1)
    token = _token(salesforce_sandbox, sf_org)
    for i in range(2):
        sf_org.deal(f"Deal {i}", stage="Closed Won")
    answer = requests.get(f"{token['instance_url']}/services/data/v62.0/query", timeout=10,
                          headers={"Authorization": f"Bearer {token['access_token']}"},
                          params={"q": "SELECT Id, (SELECT Contact.Email, IsPrimary FROM OpportunityContactRoles) "
                                       "FROM Opportunity WHERE IsWon = true"})
    body = answer.json()
    assert set(body) == {"totalSize", "done", "nextRecordsUrl", "records"} and body["done"] is False
    assert re.fullmatch(r"/services/data/v\d+\.\d/query/01g[A-Za-z0-9]+-\d+", body["nextRecordsUrl"])
    record = body["records"][0]
    assert record["attributes"]["type"] == "Opportunity" and record["Id"].startswith("006")
    assert set(record["OpportunityContactRoles"]) == {"totalSize", "done", "records"}
    assert re.fullmatch(r"api-usage=\d+/\d+", answer.headers["Sforce-Limit-Info"])


def test_errors_come_as_a_list_of_message_and_error_code(salesforce_sandbox, sf_org):
    sf_org.fault(status=403, code="REQUEST_LIMIT_EXCEEDED")
    token = _token(salesforce_sandbox, sf_org)
    answer = requests.get(f"{token['instance_url']}/services/data/v62.0/limits", timeout=10,
                          headers={"Authorization": f"Bearer {token['access_token']}"})
    assert answer.status_code == 403 and answer.json() == [{"message": "REQUEST_LIMIT_EXCEEDED",
                                                            "errorCode": "REQUEST_LIMIT_EXCEEDED"}]
    expired = requests.get(f"{token['instance_url']}/services/data/v62.0/limits", timeout=10,
                           headers={"Authorization": "Bearer nope"})
    assert expired.status_code == 401 and expired.json()[0]["errorCode"] == "INVALID_SESSION_ID"


def test_the_gateway_reads_the_reference_record_shape():
    record = {"attributes": {"type": "Opportunity", "url": "/services/data/v62.0/sobjects/Opportunity/006xx"},
              "Id": "006000000000001AAA", "Name": "Acme", "StageName": "Closed Won", "IsWon": True,
              "Amount": Decimal("1234.56"), "CurrencyIsoCode": "EUR", "CloseDate": "2026-12-01",
              "AccountId": "001000000000001AAA", "Account": {"attributes": {"type": "Account"}, "Name": "Acme Ltd"},
              "SystemModstamp": "2026-12-02T10:00:00.000+0000",
              "OpportunityContactRoles": {"totalSize": 1, "done": True, "records": [
                  {"attributes": {"type": "OpportunityContactRole"}, "IsPrimary": True, "Role": "Decision Maker",
                   "Contact": {"attributes": {"type": "Contact"}, "Email": "ada@acme.example", "Name": "Ada"}}]}}
    opportunity = opportunity_from(record, FIELDS)
    assert (opportunity.amount, opportunity.currency, opportunity.account_name) == (Decimal("1234.56"), "EUR",
                                                                                    "Acme Ltd")
    assert opportunity.contact_roles[0].email == "ada@acme.example" and opportunity.contact_roles[0].is_primary
    assert opportunity_from({**record, "OpportunityContactRoles": None, "Amount": "junk"}, FIELDS).amount is None
