"""Which kinds each owner is told about: plain values in, committed."""
from light.auth.models import User
from light.extensions import db
from light.notifications import KINDS
from light.notifications.models import NotificationPreference


def switched_on(user: User) -> dict[str, bool]:
    """Every kind, on unless this owner switched it off."""
    stored = {p.kind: p.enabled for p in NotificationPreference.query.filter_by(user_id=user.id)}
    return {kind: stored.get(kind, True) for kind in KINDS}


def save(user: User, chosen) -> dict[str, bool]:
    """`chosen`: the kinds to switch on (a form's ticked boxes); every other kind goes off. Names
    that are not kinds are ignored: the form can only tick the boxes it shows."""
    wanted = {kind: kind in set(chosen) for kind in KINDS}
    existing = {p.kind: p for p in NotificationPreference.query.filter_by(user_id=user.id)}
    for kind, enabled in wanted.items():
        if kind in existing:
            existing[kind].enabled = enabled
        else:
            db.session.add(NotificationPreference(organization_id=user.organization_id, user_id=user.id,
                                                  kind=kind, enabled=enabled))
    db.session.commit()
    return wanted


def owners_to_tell(organization_id: int, kind: str) -> list[User]:
    off = {p.user_id for p in NotificationPreference.query.filter_by(organization_id=organization_id, kind=kind,
                                                                     enabled=False)}
    owners = User.query.filter_by(organization_id=organization_id, role="owner", removed_at=None).order_by(User.id)
    return [owner for owner in owners if owner.id not in off]
