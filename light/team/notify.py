"""The e-mails about accounts (through light.plumbing.mail, so they are also kept in the Outbox)."""
from light.auth.models import Invitation, User
from light.plumbing import mail
from light.team.services import INVITATION_DAYS
from light.urls import external_url


def send_invitation(invitation: Invitation, *, inviter: User) -> None:
    organization = inviter.organization.name
    link = external_url("team.accept", token=invitation.token)
    mail.send(
        organization_id=invitation.organization_id, to=invitation.email,
        subject=f"{inviter.name} invited you to {organization} on Light",
        text=(f"{inviter.name} invited you to join {organization} on Light.\n\n"
              f"Accept the invitation: {link}\n\nThe link works once and expires in {INVITATION_DAYS} days."),
    )
