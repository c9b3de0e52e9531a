"""Team use cases: inviting people to the organization and accepting an invitation."""
import secrets
from datetime import timedelta

from light.auth.forms import check_password_strength, clean_email, clean_name
from light.auth.models import Invitation, User
from light.errors import InvalidInput, Refused
from light.extensions import db
from light.utc import utcnow

INVITATION_DAYS = 7


def invite(*, owner: User, email: str, role: str = "member") -> Invitation:
    errors: dict = {}
    email = clean_email(email, errors)
    if "email" in errors and not (email or "").strip():
        errors["email"] = "Enter the e-mail address of the person to invite."
    if role not in ("owner", "member"):
        errors["role"] = "Choose owner or member."
    existing = User.query.filter_by(email=email).first() if "email" not in errors else None
    if existing and not (existing.removed_at and existing.organization_id == owner.organization_id):
        errors["email"] = "This person already has a Light account."
    elif "email" not in errors and pending_invitation(owner.organization_id, email):
        errors["email"] = "An invitation to this e-mail is already pending: resend it below instead."
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


def pending_invitations(organization_id: int) -> list[Invitation]:
    """Invitations still waiting to be used: not accepted, not expired, and not for someone who
    has an account by now (they joined through another invitation, or signed up themselves)."""
    members = db.session.query(User.email).filter(User.removed_at.is_(None))
    found = (Invitation.query.filter(Invitation.organization_id == organization_id, Invitation.accepted_at.is_(None),
                                     Invitation.expires_at > utcnow(), Invitation.email.not_in(members))
             .order_by(Invitation.created_at.desc(), Invitation.id.desc()).all())
    return found


def pending_invitation(organization_id: int, email: str) -> Invitation | None:
    return next((i for i in pending_invitations(organization_id) if i.email == email), None)


def revoke(invitation: Invitation) -> bool:
    """The link stops working at once. Deleted, not marked: an unused invitation records nothing.
    False when it was used first (an accepted invitation stays, as the record of who joined)."""
    invitation_id = invitation.id
    db.session.expunge(invitation)
    deleted = Invitation.query.filter_by(id=invitation_id, accepted_at=None).delete(synchronize_session=False)
    db.session.commit()
    return bool(deleted)


def renew(invitation: Invitation) -> Invitation:
    """Before e-mailing it again: the same link, valid for another INVITATION_DAYS from now."""
    invitation.expires_at = utcnow() + timedelta(days=INVITATION_DAYS)
    db.session.commit()
    return invitation


def find_invitation(token: str) -> Invitation | None:
    invitation = Invitation.query.filter_by(token=token).first() if token else None
    return invitation if invitation and invitation.is_usable else None


def accept_invitation(invitation: Invitation, *, name: str, password: str) -> User:
    errors: dict = {}
    name = clean_name(name, errors, "name", "your name")
    check_password_strength(password, errors, invitation.email)
    returning = User.query.filter_by(email=invitation.email).first()
    if returning and not (returning.removed_at and returning.organization_id == invitation.organization_id):
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
    # Someone removed from the team and invited back keeps their history under the same account.
    user = returning or User(email=invitation.email, organization_id=invitation.organization_id)
    user.name, user.role, user.removed_at = name, invitation.role, None
    user.set_password(password)
    db.session.add(user)
    db.session.commit()
    return user


def change_role(*, owner: User, member: User, role: str) -> User:
    """Make a member an owner or an owner a member; the team always keeps one owner."""
    if role not in ("owner", "member"):
        raise InvalidInput({"role": "Choose owner or member."})
    if member.removed_at is not None:
        raise Refused(f"{member.name} is no longer on the team.")
    if role == "member" and member.role == "owner":
        _leave_owners(owner.organization_id, member, {"role": "member"})
    else:
        member.role = role
        db.session.commit()
    return member


def remove(*, owner: User, member: User) -> User:
    """They can't log in any more and their open sessions end; what they did keeps their name."""
    if member.removed_at is not None:
        raise Refused(f"{member.name} was already removed.")
    if member.role == "owner":
        _leave_owners(owner.organization_id, member, {"removed_at": utcnow()})
    else:
        member.removed_at = utcnow()
        db.session.commit()
    return member


def _leave_owners(organization_id: int, leaving: User, values: dict) -> None:
    """An owner stops being one only if another owner stays. The check and the change are one
    UPDATE, so two owners demoting each other at once can't both pass it: the owners' rows are
    locked first where the database can (PostgreSQL), and SQLite runs one writer at a time."""
    others = (User.query.filter(User.organization_id == organization_id, User.role == "owner",
                                User.removed_at.is_(None), User.id != leaving.id).with_for_update().all())
    other_owner = (db.session.query(User.id).filter(
        User.organization_id == organization_id, User.role == "owner", User.removed_at.is_(None),
        User.id != leaving.id).exists())
    changed = (db.session.query(User).filter(User.id == leaving.id, other_owner)
               .update(values, synchronize_session=False)) if others else 0
    if not changed:
        db.session.rollback()
        raise Refused("The team needs at least one owner: make someone else an owner first.")
    db.session.commit()
    db.session.refresh(leaving)


def active_members(organization_id: int) -> list[User]:
    return (User.query.filter(User.organization_id == organization_id, User.removed_at.is_(None))
            .order_by(User.created_at, User.id).all())
