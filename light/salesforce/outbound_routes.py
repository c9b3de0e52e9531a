"""POST /webhooks/salesforce/<connection id>/outbound: a Flow's Outbound Message, for instant
delivery where Light has a public HTTPS URL. It is only a nudge ("poll now"), never the truth:
the poll reads the opportunity from Salesforce. A wrong org, malformed XML or an entity
declaration is refused with a 4xx and nothing written; duplicates are Acked and ignored."""
from flask import Response, request
from sqlalchemy.exc import IntegrityError

from light.extensions import csrf, db
from light.ids import is_id
from light.salesforce import outbound, outbound_bp, polling
from light.salesforce.models import SalesforceConnection, SalesforceNotification

MAX_BYTES = 512 * 1024  # 100 notifications of a few fields each stay far below this


def _soap(body: str, status: int = 200) -> Response:
    return Response(body, status=status, mimetype="text/xml")


def _fault(status: int, message: str) -> Response:
    escaped = message.replace("&", "&amp;").replace("<", "&lt;")
    return _soap(f'<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="{outbound.SOAP}">'
                 f"<soapenv:Body><soapenv:Fault><faultcode>soapenv:Client</faultcode><faultstring>{escaped}"
                 "</faultstring></soapenv:Fault></soapenv:Body></soapenv:Envelope>", status)


@outbound_bp.route("/<int:connection_id>/outbound", methods=["POST"])
@csrf.exempt
def receive(connection_id):
    connection = db.session.get(SalesforceConnection, connection_id) if is_id(connection_id) else None
    if connection is None or connection.status != "active":
        return _fault(404, "No active Salesforce connection here.")
    if (request.content_length or 0) > MAX_BYTES:
        return _fault(413, "Too large for an Outbound Message.")
    body = request.stream.read(MAX_BYTES + 1)
    if len(body) > MAX_BYTES:
        return _fault(413, "Too large for an Outbound Message.")
    try:
        message = outbound.parse(body)
    except outbound.Rejected as rejected:
        return _fault(rejected.status, rejected.message)
    if not outbound.same_org(message.organization_id, connection.sf_org_id):
        return _fault(403, "This message is from another Salesforce org.")
    fresh = 0
    for notification_id, opportunity_id in message.notifications:
        try:
            with db.session.begin_nested():
                db.session.add(SalesforceNotification(organization_id=connection.organization_id,
                                                      connection_id=connection.id, notification_id=notification_id,
                                                      opportunity_id=opportunity_id))
            fresh += 1
        except IntegrityError:
            pass  # delivered before: Salesforce retries until it gets the Ack
    db.session.commit()
    if fresh:
        polling.start_poll(connection.id, coalesce=True)
    return _soap(outbound.ACK)
