"""Outbound Messages are read safely: entity declarations, malformed XML and foreign shapes refused."""
import pytest

from light.salesforce.outbound import Rejected, parse, same_org

ORG = "00D000000000001AAA"


def envelope(notifications, org=ORG, prolog=""):
    items = "".join(f"<Notification><Id>{nid}</Id><sObject xsi:type=\"sf:Opportunity\" "
                    f"xmlns:sf=\"urn:sobject.enterprise.soap.sforce.com\"><sf:Id>{oid}</sf:Id>"
                    f"<sf:StageName>Closed Won</sf:StageName></sObject></Notification>" for nid, oid in notifications)
    return (f'{prolog}<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" '
            f'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body>'
            f'<notifications xmlns="http://soap.sforce.com/2005/09/outbound"><OrganizationId>{org}</OrganizationId>'
            f"<ActionId>04k000000000001AAA</ActionId>{items}</notifications></soapenv:Body></soapenv:Envelope>").encode()


def test_a_message_gives_its_org_and_each_notification_and_opportunity():
    message = parse(envelope([("04l000000000001AAA", "006000000000001AAA"), ("04l000000000002AAA", "006000000000002AAA")]))
    assert message.organization_id == ORG
    assert message.notifications == (("04l000000000001AAA", "006000000000001AAA"),
                                     ("04l000000000002AAA", "006000000000002AAA"))


@pytest.mark.parametrize("body", [
    envelope([("04l000000000001AAA", "006000000000001AAA")],
             prolog='<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]>'),
    b'<?xml version="1.0"?><!DOCTYPE x SYSTEM "file:///etc/passwd"><x/>',
    b"<soapenv:Envelope", b"not xml at all", b"<a><b></a>",
    b'<Envelope xmlns="http://schemas.xmlsoap.org/soap/envelope/"><Body/></Envelope>',
    envelope([]), envelope([("bad id!", "006000000000001AAA")]), envelope([("04l000000000001AAA", "x")], org="nope"),
])
def test_anything_else_is_refused_with_a_4xx(body):
    with pytest.raises(Rejected) as rejected:
        parse(body)
    assert 400 <= rejected.value.status < 500


def test_org_ids_compare_on_their_first_15_characters():
    assert same_org("00D000000000001", ORG) and not same_org("00D000000000002AAA", ORG) and not same_org("", ORG)
