"""Team use cases: inviting people to the organization and accepting an invitation."""
import secrets
from datetime import timedelta

from light.auth.forms import check_password_strength, clean_email, clean_name
from light.auth.models import Invitation, User
from light.errors import InvalidInput
from light.extensions import db
from light.utc import utcnow

INVITATION_DAYS = 7


def invite(*, owner: User, email: str, role: str = "member") -> Invitation:
    errors: dict = {}
    email = clean_email(email, errors)
    if role not in ("owner", "member"):
        errors["role"] = "Choose owner or member."
    if "email" not in errors and User.query.filter_by(email=email).first():
        errors["email"] = "This person already has a Light account."
    if errors:
        raise InvalidInput(errors)
    invitation = Invitation(
        organization_id=owner.organization_id,
        email=email,
        role=role,
        token=secrets.token_urlsafe(32),
        invited_by_id=owner.id,
        expires_at=utcnow() + timedelta(days=INVITATION_DAYS),
    )
    db.session.add(invitation)
    db.session.commit()
    return invitation


def find_invitation(token: str) -> Invitation | None:
    invitation = Invitation.query.filter_by(token=token).first() if token else None
    return invitation if invitation and invitation.is_usable else None


def accept_invitation(invitation: Invitation, *, name: str, password: str) -> User:
    errors: dict = {}
    name = clean_name(name, errors, "name", "your name")
    check_password_strength(password, errors, invitation.email)
    if User.query.filter_by(email=invitation.email).first():
        errors["email"] = "This e-mail already has a Light account. Log in instead."
    if errors:
        raise InvalidInput(errors)
    # Claim the invitation first, in the same transaction: a second accept finds it used.
    claimed = (
        Invitation.query.filter_by(id=invitation.id, accepted_at=None)
        .update({"accepted_at": utcnow()}, synchronize_session=False)
    )
    if not claimed:
        db.session.rollback()
        raise InvalidInput({"name": "This invitation has already been used."})
    user = User(email=invitation.email, name=name, role=invitation.role,
                organization_id=invitation.organization_id)
    user.set_password(password)
    db.session.add(user)
    db.session.commit()
    return user
