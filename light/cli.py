"""`flask` commands: the clock process and helpers for self-hosters."""
import click
from cryptography.fernet import Fernet

from light.auth import reset
from light.auth.models import User
from light.integrations import services as integrations
from light.plumbing.jobs import clock as light_clock
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
