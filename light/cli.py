"""`flask` commands: the clock process and helpers for self-hosters."""
import click
from cryptography.fernet import Fernet

from light.plumbing.jobs import clock as light_clock


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

    @app.cli.command("generate-key")
    def generate_key():
        """Print a new LIGHT_ENCRYPTION_KEY."""
        click.echo(Fernet.generate_key().decode())
