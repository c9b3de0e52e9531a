from light.auth.models import OrganizationOwned, User
from light.extensions import db
from light.plumbing.crypto import EncryptedText
from light.utc import utcnow

CONNECTION_STATUSES = {"active": "Active", "reconnect_needed": "Reconnect needed", "disconnected": "Disconnected"}
ENVIRONMENTS = {"production": "Production", "sandbox": "Sandbox", "my_domain": "My Domain"}
DEAL_STATUSES = {"existing": "Won before connecting", "invoicing": "Invoicing", "invoiced": "Invoiced",
                 "needs_attention": "Needs attention"}


class SalesforceConnection(OrganizationOwned, db.Model):
    """One Salesforce org connected through OAuth. At most one is active (or waiting to be
    reconnected) per organization; disconnected ones are kept, tokens wiped, with their deals."""

    __tablename__ = "salesforce_connections"
    id = db.Column(db.Integer, primary_key=True)
    status = db.Column(db.String(20), nullable=False, default="active")
    environment = db.Column(db.String(20), nullable=False)
    login_url = db.Column(db.String(255), nullable=False)
    instance_url = db.Column(db.String(255), nullable=False)
    sf_org_id = db.Column(db.String(18), nullable=False)
    sf_user_id = db.Column(db.String(18), nullable=False)
    is_sandbox = db.Column(db.Boolean, nullable=False, default=False)
    access_token = db.Column(EncryptedText)
    refresh_token = db.Column(EncryptedText)
    # Bumped at each stored refresh, so two workers refreshing at once keep one rotated token.
    token_version = db.Column(db.Integer, nullable=False, default=0)
    # What describe said: the Opportunity fields that exist, and which write-back fields are updateable.
    field_names = db.Column(db.JSON, nullable=False, default=list)
    write_back_fields = db.Column(db.JSON, nullable=False, default=list)
    multi_currency = db.Column(db.Boolean, nullable=False, default=False)
    default_currency = db.Column(db.String(3))
    # The newest SystemModstamp handled; each poll asks from a few minutes before it.
    watermark = db.Column(db.DateTime)
    last_poll_at = db.Column(db.DateTime)
    # When invoiced deals were last checked for being reopened, changed or deleted in Salesforce.
    last_recheck_at = db.Column(db.DateTime)
    last_poll_error = db.Column(db.String(500))
    api_used = db.Column(db.Integer)
    api_limit = db.Column(db.Integer)
    created_by_id = db.Column(db.Integer, db.ForeignKey("users.id"))
    connected_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    disconnected_at = db.Column(db.DateTime)
    created_by = db.relationship(User)

    @property
    def status_label(self) -> str:
        return CONNECTION_STATUSES.get(self.status, self.status)

    @property
    def environment_label(self) -> str:
        return ENVIRONMENTS.get(self.environment, self.environment)

    @property
    def is_current(self) -> bool:
        return self.status in ("active", "reconnect_needed")

    @property
    def attention_count(self) -> int:
        return self.deals.filter_by(status="needs_attention").count()

    def opportunity_url(self, opportunity_id: str) -> str:
        return f"{self.instance_url}/lightning/r/Opportunity/{opportunity_id}/view"


class SalesforceDeal(OrganizationOwned, db.Model):
    """A won opportunity Light has seen, and what it did with it. The unique constraint is what
    makes a deal invoiced once: two workers, a crash before the watermark moved, won -> lost -> won
    and Light's own write-back bumping SystemModstamp all land on this one row."""

    __tablename__ = "salesforce_deals"
    __table_args__ = (db.UniqueConstraint("connection_id", "opportunity_id", name="uq_salesforce_deals_opportunity"),)
    id = db.Column(db.Integer, primary_key=True)
    connection_id = db.Column(db.Integer, db.ForeignKey("salesforce_connections.id"), nullable=False, index=True)
    opportunity_id = db.Column(db.String(18), nullable=False)
    name = db.Column(db.String(255), nullable=False, default="")
    status = db.Column(db.String(20), nullable=False)
    reason = db.Column(db.String(500))
    invoice_id = db.Column(db.Integer, db.ForeignKey("invoices.id"), unique=True)
    email = db.Column(db.String(254))
    amount = db.Column(db.BigInteger)
    currency = db.Column(db.String(3))
    won_modstamp = db.Column(db.DateTime)
    # Write-back of the invoice's status to the opportunity's Light_… fields (those that exist):
    # what Salesforce last accepted, and when to try again after a refusal (a validation rule).
    written_status = db.Column(db.String(20))
    write_back_attempts = db.Column(db.Integer, nullable=False, default=0, server_default="0")
    write_back_after = db.Column(db.DateTime)
    write_back_error = db.Column(db.String(500))
    first_seen_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    updated_at = db.Column(db.DateTime, nullable=False, default=utcnow, onupdate=utcnow)
    connection = db.relationship(SalesforceConnection, backref=db.backref("deals", lazy="dynamic"))
    invoice = db.relationship("Invoice")

    @property
    def status_label(self) -> str:
        return DEAL_STATUSES.get(self.status, self.status)


class SalesforceNotification(OrganizationOwned, db.Model):
    """An Outbound Message notification already received: Salesforce delivers at least once."""

    __tablename__ = "salesforce_notifications"
    __table_args__ = (db.UniqueConstraint("connection_id", "notification_id", name="uq_salesforce_notifications_once"),)
    id = db.Column(db.Integer, primary_key=True)
    connection_id = db.Column(db.Integer, db.ForeignKey("salesforce_connections.id"), nullable=False, index=True)
    notification_id = db.Column(db.String(18), nullable=False)
    opportunity_id = db.Column(db.String(18), nullable=False)
    received_at = db.Column(db.DateTime, nullable=False, default=utcnow)
