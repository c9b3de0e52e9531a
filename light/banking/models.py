"""The bank feed's tables: Stripe connections, the bank accounts they show up as, their
transactions and payouts, and a record of every sync."""
from light.auth.models import OrganizationOwned
from light.extensions import db
from light.plumbing.crypto import EncryptedText
from light.utc import utcnow

CONNECTION_STATUSES = ("active", "revoked", "disconnected", "reconnect_needed")
STATUS_LABELS = {"active": "Active", "revoked": "Revoked", "disconnected": "Disconnected",
                 "reconnect_needed": "Reconnect needed"}


class StripeConnection(OrganizationOwned, db.Model):
    """One Stripe Account feeding Bank Reconciliation: through Connect OAuth (`method`
    "connect": the platform's key acting on it, or its access token), through a key the owner
    pasted ("restricted_key": `access_token` holds that key, encrypted), or through Light's Stripe
    App ("stripe_app": an access token that expires at `access_token_expires_at` and a refresh
    token that rotates, both encrypted; light/banking/stripe_app.py)."""

    __tablename__ = "stripe_connections"
    __table_args__ = (db.UniqueConstraint("organization_id", "stripe_user_id",
                                          name="uq_stripe_connections_org_account"),)
    id = db.Column(db.Integer, primary_key=True)
    stripe_user_id = db.Column(db.String(255), nullable=False, index=True)
    method = db.Column(db.String(20), nullable=False, default="connect", server_default="connect")
    display_name = db.Column(db.String(200))
    livemode = db.Column(db.Boolean, nullable=False, default=False)
    scope = db.Column(db.String(40))
    access_token = db.Column(EncryptedText)
    refresh_token = db.Column(EncryptedText)
    access_token_expires_at = db.Column(db.DateTime)
    status = db.Column(db.String(16), nullable=False, default="active")
    connected_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    ended_at = db.Column(db.DateTime)
    # High-water mark: the newest balance transaction stored. Set only once a full backfill has
    # committed, then advanced page by page (oldest first), so a crash never skips anything.
    newest_transaction_id = db.Column(db.String(255))
    # While a backfill runs: the newest transaction of its first page (the mark to set once it
    # completes) and the oldest stored so far (where a restarted backfill carries on, starting_after).
    backfill_newest_id = db.Column(db.String(255))
    backfill_cursor = db.Column(db.String(255))
    backfilled_at = db.Column(db.DateTime)
    last_synced_at = db.Column(db.DateTime)

    @property
    def is_active(self) -> bool:
        return self.status == "active"

    @property
    def uses_own_key(self) -> bool:
        return self.method == "restricted_key"

    @property
    def uses_stripe_app(self) -> bool:
        return self.method == "stripe_app"

    @property
    def status_label(self) -> str:
        return STATUS_LABELS.get(self.status, self.status.capitalize())

    @property
    def name(self) -> str:
        return self.display_name or self.stripe_user_id


class BankAccount(OrganizationOwned, db.Model):
    """A Stripe balance in one currency, shown like a bank account: "Stripe (USD)"."""

    __tablename__ = "bank_accounts"
    __table_args__ = (db.UniqueConstraint("connection_id", "currency", name="uq_bank_accounts_connection_currency"),)
    id = db.Column(db.Integer, primary_key=True)
    connection_id = db.Column(db.Integer, db.ForeignKey("stripe_connections.id"), nullable=False, index=True)
    name = db.Column(db.String(120), nullable=False)
    currency = db.Column(db.String(3), nullable=False)
    available = db.Column(db.BigInteger, nullable=False, default=0)
    pending = db.Column(db.BigInteger, nullable=False, default=0)
    balance_updated_at = db.Column(db.DateTime)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    connection = db.relationship(StripeConnection, lazy="joined")

    @property
    def total(self) -> int:
        return self.available + self.pending


class BankTransaction(OrganizationOwned, db.Model):
    """A Stripe balance transaction; amounts in minor units, signed (+ in, - out)."""

    __tablename__ = "bank_transactions"
    __table_args__ = (
        db.UniqueConstraint("organization_id", "stripe_id", name="uq_bank_transactions_org_stripe_id"),
        # The view lists newest first with keyset pagination on (created, id), per bank account,
        # optionally narrowed by category or status.
        db.Index("ix_bank_transactions_account_created", "bank_account_id", "created", "id"),
        db.Index("ix_bank_transactions_account_category", "bank_account_id", "category", "created", "id"),
        db.Index("ix_bank_transactions_account_status", "bank_account_id", "status", "created", "id"),
        db.Index("ix_bank_transactions_payout", "bank_account_id", "payout_id"),
        db.Index("ix_bank_transactions_account_match", "bank_account_id", "match_state", "created", "id"),
    )
    id = db.Column(db.Integer, primary_key=True)
    bank_account_id = db.Column(db.Integer, db.ForeignKey("bank_accounts.id"), nullable=False)
    stripe_id = db.Column(db.String(255), nullable=False)
    amount = db.Column(db.BigInteger, nullable=False)
    fee = db.Column(db.BigInteger, nullable=False, default=0)
    net = db.Column(db.BigInteger, nullable=False)
    currency = db.Column(db.String(3), nullable=False)
    type = db.Column(db.String(60), nullable=False)
    reporting_category = db.Column(db.String(60))
    category = db.Column(db.String(30), nullable=False)  # Light's grouping; "other" when unknown
    status = db.Column(db.String(20), nullable=False)
    created = db.Column(db.DateTime, nullable=False)
    available_on = db.Column(db.DateTime)
    description = db.Column(db.String(500))
    source_id = db.Column(db.String(255), index=True)
    payout_id = db.Column(db.String(255))  # po_… that paid this transaction out
    # Bank Reconciliation's state of the line (light/reconciliation): unmatched, suggested, matched
    # or excluded. Changed only by compare-and-set, so two people matching one line leave one match.
    match_state = db.Column(db.String(20), nullable=False, default="unmatched")
    # What the line is matched on, from its expanded Stripe source (a charge, refund or dispute).
    payment_intent_id = db.Column(db.String(255))
    charge_id = db.Column(db.String(255), index=True)
    stripe_customer_id = db.Column(db.String(255))
    customer_email = db.Column(db.String(254))
    stripe_metadata = db.Column(db.JSON)
    exchange_rate = db.Column(db.String(40))  # Stripe's decimal string, never a float


class BankPayout(OrganizationOwned, db.Model):
    """A Stripe payout seen in the feed; its breakdown is fetched once Stripe has reconciled it."""

    __tablename__ = "bank_payouts"
    __table_args__ = (db.UniqueConstraint("organization_id", "stripe_id", name="uq_bank_payouts_org_stripe_id"),)
    id = db.Column(db.Integer, primary_key=True)
    bank_account_id = db.Column(db.Integer, db.ForeignKey("bank_accounts.id"), nullable=False, index=True)
    stripe_id = db.Column(db.String(255), nullable=False)
    amount = db.Column(db.BigInteger, nullable=False)
    currency = db.Column(db.String(3), nullable=False)
    status = db.Column(db.String(20))
    reconciliation_status = db.Column(db.String(20))
    arrival_date = db.Column(db.DateTime)
    automatic = db.Column(db.Boolean, nullable=False, default=True)
    breakdown_fetched_at = db.Column(db.DateTime)
    # The number the bank shows on the deposit (Stripe's trace_id, once it is "supported"): what
    # ties a deposit on a bank statement to this payout.
    trace_id = db.Column(db.String(255))
    checked_at = db.Column(db.DateTime)


class SyncRun(OrganizationOwned, db.Model):
    """Every sync, whatever started it: when, how much, and what went wrong."""

    __tablename__ = "bank_sync_runs"
    id = db.Column(db.Integer, primary_key=True)
    connection_id = db.Column(db.Integer, db.ForeignKey("stripe_connections.id"), nullable=False, index=True)
    kind = db.Column(db.String(20), nullable=False)  # backfill | incremental
    trigger = db.Column(db.String(20), nullable=False, default="manual")  # connect|manual|clock|webhook
    started_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    finished_at = db.Column(db.DateTime)
    fetched_count = db.Column(db.Integer, nullable=False, default=0)
    created_count = db.Column(db.Integer, nullable=False, default=0)
    updated_count = db.Column(db.Integer, nullable=False, default=0)
    error = db.Column(db.Text)


class ConnectWebhookEndpoint(db.Model):
    """Light's own Connect webhook endpoint at Stripe, when Light registered it itself (no
    STRIPE_CONNECT_WEBHOOK_SECRET configured). Platform-wide, not one organization's."""

    __tablename__ = "bank_connect_webhook_endpoints"
    id = db.Column(db.Integer, primary_key=True)
    stripe_id = db.Column(db.String(255), nullable=False, unique=True)
    url = db.Column(db.String(500), nullable=False)
    secret = db.Column(EncryptedText, nullable=False)
    livemode = db.Column(db.Boolean, nullable=False, default=False)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
