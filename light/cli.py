"""`flask` commands: the clock process and helpers for self-hosters."""
import click
from cryptography.fernet import Fernet
from flask.cli import with_appcontext

from light.auth import reset
from light.auth.models import Organization, User
from light.banking.models import BankAccount
from light.integrations import services as integrations
from light.plumbing.jobs import clock as light_clock
from light.reconciliation import matching
from light.statements import matching as deposit_matching
from light.urls import external_url


def register(app) -> None:
    @app.cli.command("clock")
    @click.option("--once", is_flag=True, help="Run one tick and exit (for cron or tests).")
    @click.option("--poll", default=30, show_default=True, help="Seconds between ticks.")
    def clock(once: bool, poll: int):
        """Enqueue periodic work (syncs, contract billing, reminders) when it is due."""
        if once:
            click.echo(", ".join(light_clock.tick()) or "nothing due")
        else:
            light_clock.run_forever(poll)

    @app.cli.command("update-webhook-events")
    def update_webhook_events():
        """Subscribe the webhook endpoints Light registered at Stripe to the events it handles now."""
        outcomes = integrations.update_webhook_events()
        for integration_id, outcome in outcomes:
            click.echo(f"Stripe integration {integration_id}: {outcome}")
        if not outcomes:
            click.echo("No webhook endpoint registered by Light.")

    @app.cli.command("generate-key")
    def generate_key():
        """Print a new LIGHT_ENCRYPTION_KEY."""
        click.echo(Fernet.generate_key().decode())

    @app.cli.command("reset-link")
    @click.argument("email")
    def reset_link(email: str):
        """Print a one-time "choose a new password" link for EMAIL (for a server without SMTP)."""
        user = User.query.filter_by(email=email.strip().lower()).first()
        if user is None or not user.is_active:
            raise click.ClickException(f"No account uses {email}.")
        click.echo(external_url("auth.reset_password", token=reset.make_token(user)))

    app.cli.add_command(rematch)


@click.command("rematch")
@click.option("--org", "organization_id", type=int, help="Only this organization (its id); default: every one.")
@with_appcontext
def rematch(organization_id: int | None):
    """Re-match, as the Re-match button's job does: every Stripe bank account's lines that Light may
    still decide, then the deposits on imported bank statements. Never touches what a person decided."""
    query = Organization.query.order_by(Organization.id)
    if organization_id is not None:
        query = query.filter(Organization.id == organization_id)
    organizations = [organization.id for organization in query]
    if organization_id is not None and not organizations:
        raise click.ClickException(f"No organization has the id {organization_id}.")
    for org in organizations:
        _rematch_organization(org)


def _rematch_organization(org: int) -> None:
    """One organization at a time, with the services the Re-match job and the Stripe sync use."""
    accounts = BankAccount.query.filter_by(organization_id=org).order_by(BankAccount.id)
    for account_id, name in [(account.id, account.name) for account in accounts]:
        counts = matching.rematch_account(account_id)
        click.echo(f"Organization {org}, {name}: {counts.get('linked', 0):,} matched, "
                   f"{counts.get('suggested', 0):,} suggested, {counts.get('unmatched', 0):,} left unmatched")
    deposits = deposit_matching.match_organization(org)
    click.echo(f"Organization {org}, bank statements: {deposits['linked']:,} deposits matched to Stripe payouts, "
               f"{deposits['suggested']:,} suggested")
