"""Light: get paid through Stripe and reconcile what Stripe pays out."""
import logging
import os
import re

from flask import Flask

__version__ = "0.1.0"


def create_app(config: dict | None = None) -> Flask:
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    app = Flask(
        __name__,
        instance_path=os.environ.get("LIGHT_INSTANCE_PATH") or os.path.join(root, "instance"),
        template_folder=os.path.join(root, "templates"),
        static_folder=os.path.join(root, "static"),
    )
    from light.config import Config

    app.config.update(Config(app.instance_path).as_dict())
    if config:
        app.config.update(config)
    _check_production(app)
    os.makedirs(app.instance_path, exist_ok=True)
    if not app.config.get("SECRET_KEY"):
        from light.crypto import derive_key

        # Development only (production refuses to start without one): stable across restarts.
        app.config["SECRET_KEY"] = derive_key("light-dev:" + app.instance_path)

    _init_extensions(app)
    _register_blueprints(app)
    from light.web import refuse_nul_bytes

    app.before_request(refuse_nul_bytes)
    _init_templates(app)
    from light import cli, errors

    errors.register(app)
    cli.register(app)
    _quiet_secrets_in_logs()
    return app


def _check_production(app: Flask) -> None:
    if app.config.get("LIGHT_ENV") != "production":
        return
    missing = [k for k in ("SECRET_KEY", "LIGHT_ENCRYPTION_KEY") if not app.config.get(k)]
    if missing:
        raise RuntimeError(f"Light refuses to start in production without {', '.join(missing)}.")


def _init_extensions(app: Flask) -> None:
    from light.auth.routes import init_login
    from light.crypto import load_fernet
    from light.extensions import csrf, db, htmx, login_manager, migrate
    from light.jobs.queue import init_jobs

    app.extensions["light_fernet"] = load_fernet(app.config, app.instance_path)
    db.init_app(app)
    migrate.init_app(app, db, directory=os.path.join(os.path.dirname(app.root_path), "migrations"),
                     render_as_batch=True)
    login_manager.init_app(app)
    init_login(login_manager)
    csrf.init_app(app)
    htmx.init_app(app)
    init_jobs(app)
    import light.models  # noqa: F401 - every table registered before the first query


def _register_blueprints(app: Flask) -> None:
    from light import (auth, banking, contracts, customers, home, integrations, invoices, jobs, pay, settings,
                       webhooks, workflows)

    for module in (home, auth, jobs, banking, customers, invoices, contracts, settings, integrations, workflows,
                   webhooks, pay):
        app.register_blueprint(module.bp)


def _init_templates(app: Flask) -> None:
    from light import money
    from light.crypto import mask_secret

    app.jinja_env.filters["money"] = money.format_amount
    app.jinja_env.filters["masked"] = mask_secret
    app.jinja_env.globals["app_version"] = __version__

    @app.context_processor
    def shell_context():
        return {"stripe_sandbox": app.config.get("STRIPE_SANDBOX", False)}


class _RedactSecrets(logging.Filter):
    """Belt and braces: Light never logs secrets, and this scrubs any that slip into a record."""

    PATTERN = re.compile(r"\b(sk|rk|pk)_(test|live)_[A-Za-z0-9]{4,}|\bwhsec_[A-Za-z0-9]{4,}|\b(ac|rt)_[A-Za-z0-9]{8,}")

    def filter(self, record: logging.LogRecord) -> bool:
        if record.args:
            try:
                record.msg = record.getMessage()
                record.args = None
            except (TypeError, ValueError):
                return True
        if isinstance(record.msg, str):
            record.msg = self.PATTERN.sub(lambda m: m.group(0)[:8] + "…", record.msg)
        return True


def _quiet_secrets_in_logs() -> None:
    root = logging.getLogger()
    if not any(isinstance(f, _RedactSecrets) for f in root.filters):
        root.addFilter(_RedactSecrets())
    for handler in root.handlers:
        if not any(isinstance(f, _RedactSecrets) for f in handler.filters):
            handler.addFilter(_RedactSecrets())
