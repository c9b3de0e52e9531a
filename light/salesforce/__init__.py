"""Salesforce: when an opportunity is marked Closed/Won, Light invoices the customer and the
Invoice-to-Cash workflow e-mails them a Stripe payment link, once. Settings > Integrations."""
from flask import Blueprint

bp = Blueprint("salesforce", __name__, url_prefix="/settings/integrations/salesforce")
# Salesforce's Outbound Messages: public (Salesforce calls it), so outside Settings.
outbound_bp = Blueprint("salesforce_outbound", __name__, url_prefix="/webhooks/salesforce")
