from datetime import UTC, datetime

from flask import current_app
from flask_login import UserMixin
from sqlalchemy.orm import declared_attr
from werkzeug.security import check_password_hash, generate_password_hash

from light.extensions import db
from light.plumbing.crypto import EncryptedText


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


class Organization(db.Model):
    """The team's company. What Settings > Organization holds is printed on invoices, pay pages and
    e-mails (light/settings/organization.py checks it)."""

    __tablename__ = "organizations"
    id = db.Column(db.Integer, primary_key=True)
    name = db.Column(db.String(120), nullable=False)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    legal_name = db.Column(db.String(200), nullable=False, default="", server_default="")
    address = db.Column(db.Text, nullable=False, default="", server_default="")
    tax_id = db.Column(db.String(60), nullable=False, default="", server_default="")
    bank_details = db.Column(db.Text, nullable=False, default="", server_default="")
    invoice_prefix = db.Column(db.String(10), nullable=False, default="INV-", server_default="INV-")
    credit_note_prefix = db.Column(db.String(10), nullable=False, default="CN-", server_default="CN-")
    time_zone = db.Column(db.String(60), nullable=False, default="UTC", server_default="UTC")
    date_format = db.Column(db.String(10), nullable=False, default="d_mon_y", server_default="d_mon_y")
    logo = db.deferred(db.Column(db.LargeBinary))  # PNG or JPEG, small; loaded only when served
    logo_type = db.Column(db.String(20))

    @property
    def billing_name(self) -> str:
        return self.legal_name or self.name


class OrganizationOwned:
    """Mixin for every model that belongs to an organization; load them through light.web.scoped."""

    @declared_attr
    def organization_id(cls):
        return db.Column(db.Integer, db.ForeignKey("organizations.id"), nullable=False, index=True)


class User(UserMixin, OrganizationOwned, db.Model):
    __tablename__ = "users"
    id = db.Column(db.Integer, primary_key=True)
    email = db.Column(db.String(254), nullable=False, unique=True)
    name = db.Column(db.String(120), nullable=False)
    password_hash = db.Column(db.String(256), nullable=False)
    role = db.Column(db.String(16), nullable=False, default="member")
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    # An owner removed them from the team: they can no longer log in, and what they did keeps
    # their name. Re-inviting the same e-mail brings them back.
    removed_at = db.Column(db.DateTime)
    # Two-factor log-in (light/auth/two_factor.py): the TOTP secret, encrypted; it asks for codes
    # only once confirmed with a correct code (totp_enabled_at). The last time step used, so a
    # code seen over someone's shoulder can't be used again within its 30 seconds.
    totp_secret = db.Column(EncryptedText)
    totp_enabled_at = db.Column(db.DateTime)
    totp_last_step = db.Column(db.BigInteger)
    organization = db.relationship(Organization)

    @property
    def is_active(self) -> bool:
        return self.removed_at is None

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    @property
    def is_owner(self) -> bool:
        return self.role == "owner"

    @property
    def has_two_factor(self) -> bool:
        return self.totp_enabled_at is not None


class Invitation(OrganizationOwned, db.Model):
    __tablename__ = "invitations"
    id = db.Column(db.Integer, primary_key=True)
    email = db.Column(db.String(254), nullable=False)
    role = db.Column(db.String(16), nullable=False, default="member")
    token = db.Column(db.String(64), nullable=False, unique=True)
    invited_by_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=False)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    expires_at = db.Column(db.DateTime, nullable=False)
    accepted_at = db.Column(db.DateTime)
    invited_by = db.relationship(User)

    @property
    def is_usable(self) -> bool:
        return self.accepted_at is None and self.expires_at > utcnow()


class LoginFailure(db.Model):
    """Recent log-in attempts per key ("email:…" or "client:…"), so guessing is slowed down
    whether or not the user exists (see light/auth/throttle.py)."""

    __tablename__ = "login_failures"
    id = db.Column(db.Integer, primary_key=True)
    key = db.Column(db.String(300), nullable=False, unique=True)
    count = db.Column(db.Integer, nullable=False, default=0)
    last_failed_at = db.Column(db.DateTime, nullable=False, default=utcnow)


class RecoveryCode(db.Model):
    """One of a user's ten single-use recovery codes, for a lost phone. Only a SHA-256 hash is
    kept: the codes are random (80 bits), so a slow password hash would add nothing but time."""

    __tablename__ = "recovery_codes"
    __table_args__ = (db.UniqueConstraint("user_id", "code_hash", name="uq_recovery_codes_user_hash"),)
    id = db.Column(db.Integer, primary_key=True)
    user_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=False, index=True)
    code_hash = db.Column(db.String(64), nullable=False)
    used_at = db.Column(db.DateTime)
