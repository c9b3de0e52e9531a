"""Salesforce Outbound Messages (SOAP, sent by a record-triggered Flow): read safely, and the Ack.

Pure: no Flask, no database. A DOCTYPE or entity declaration is refused before parsing (no
entity expansion, no external entities), and so is anything that isn't a notifications envelope."""
import re
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass

OUTBOUND = "http://soap.sforce.com/2005/09/outbound"
SOAP = "http://schemas.xmlsoap.org/soap/envelope/"
SOBJECT = "urn:sobject.enterprise.soap.sforce.com"
MAX_NOTIFICATIONS = 100  # Salesforce sends at most 100 per message
DECLARATIONS = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
SALESFORCE_ID = re.compile(r"^[A-Za-z0-9]{15}([A-Za-z0-9]{3})?$")
ACK = (f'<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="{SOAP}"><soapenv:Body>'
       f'<notificationsResponse xmlns="{OUTBOUND}"><Ack>true</Ack></notificationsResponse>'
       "</soapenv:Body></soapenv:Envelope>")


class Rejected(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status, self.message = status, message


@dataclass(frozen=True)
class Message:
    organization_id: str
    notifications: tuple  # (notification id, opportunity id)


def parse(body: bytes) -> Message:
    if DECLARATIONS.search(body):
        raise Rejected(400, "DOCTYPE and entity declarations are refused.")
    try:
        root = ElementTree.fromstring(body)
    except ElementTree.ParseError:
        raise Rejected(400, "The body is not well-formed XML.") from None
    found = root.find(f"{{{SOAP}}}Body/{{{OUTBOUND}}}notifications")
    if root.tag != f"{{{SOAP}}}Envelope" or found is None:
        raise Rejected(400, "Not a Salesforce Outbound Message.")
    organization = (found.findtext(f"{{{OUTBOUND}}}OrganizationId") or "").strip()
    items = found.findall(f"{{{OUTBOUND}}}Notification")
    if not SALESFORCE_ID.match(organization) or not items or len(items) > MAX_NOTIFICATIONS:
        raise Rejected(400, "The message names no organization or no notifications.")
    notifications = []
    for item in items:
        notification_id = (item.findtext(f"{{{OUTBOUND}}}Id") or "").strip()
        record = item.find(f"{{{OUTBOUND}}}sObject")
        opportunity_id = "" if record is None else (record.findtext(f"{{{SOBJECT}}}Id") or "").strip()
        if not SALESFORCE_ID.match(notification_id) or not SALESFORCE_ID.match(opportunity_id):
            raise Rejected(400, "A notification has no usable Id.")
        notifications.append((notification_id, opportunity_id))
    return Message(organization, tuple(notifications))


def same_org(sent: str, connected: str) -> bool:
    """Salesforce ids come as 15 (case-sensitive) or 18 characters: the first 15 decide."""
    return bool(sent) and bool(connected) and sent[:15] == connected[:15]
