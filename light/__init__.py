"""Light: get paid through Stripe and reconcile what Stripe pays out."""
import logging
import os

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from light.config import Config
from light.extensions import csrf, db, htmx, login_manager, migrate
from light.plumbing.crypto import derive_key, load_fernet
from light.plumbing.redact import redact_text

__version__ = "0.1.0"
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def create_app(config: dict | None = None) -> Flask:
    app = Flask(
        __name__,
        instance_path=os.environ.get("LIGHT_INSTANCE_PATH") or os.path.join(ROOT, "instance"),
        template_folder=os.path.join(ROOT, "templates"),
        static_folder=os.path.join(ROOT, "static"),
    )
    app.config.update(Config(app.instance_path).as_dict())
    if config:
        app.config.update(config)
    _check_production(app)
    os.makedirs(app.instance_path, exist_ok=True)
    if not app.config.get("SECRET_KEY"):
        # Development only (production refuses to start without one): stable across restarts.
        app.config["SECRET_KEY"] = derive_key("light-dev:" + app.instance_path)

    if app.config.get("TRUSTED_PROXIES"):
        hops = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    _init_extensions(app)
    _register_blueprints(app)
    _init_registries(app)
    _init_web(app)
    _quiet_secrets_in_logs(app)
    return app


def _check_production(app: Flask) -> None:
    if app.config.get("LIGHT_ENV") != "production":
        return
    missing = [k for k in ("SECRET_KEY", "LIGHT_ENCRYPTION_KEY") if not app.config.get(k)]
    if missing:
        raise RuntimeError(f"Light refuses to start in production without {', '.join(missing)}.")


def _init_extensions(app: Flask) -> None:
    # The factory is where the app's parts meet, so it imports them here, when the app is built:
    # importing a service never drags in routes, and no area imports another area's routes.
    import light.models  # noqa: F401 - every table registered before the first query
    from light.auth.login import init_login
    from light.plumbing.jobs import clock
    from light.plumbing.jobs.queue import init_jobs

    app.extensions["light_fernet"] = load_fernet(app.config, app.instance_path)
    db.init_app(app)
    migrate.init_app(app, db, directory=os.path.join(ROOT, "migrations"), render_as_batch=True)
    login_manager.init_app(app)
    init_login(login_manager)
    csrf.init_app(app)
    htmx.init_app(app)
    init_jobs(app)
    clock.init_app(app)


def _register_blueprints(app: Flask) -> None:
    from light import (
        auth,
        banking,
        contracts,
        customers,
        home,
        integrations,
        invoices,
        pay,
        salesforce,
        settings,
        team,
        workflows,
    )
    from light.auth import routes as _auth  # noqa: F401 - each area's routes attach to its bp
    from light.banking import key_routes as _banking_keys  # noqa: F401
    from light.banking import match_routes as _banking_matches  # noqa: F401
    from light.banking import routes as _banking  # noqa: F401
    from light.contracts import routes as _contracts  # noqa: F401
    from light.customers import routes as _customers  # noqa: F401
    from light.home import routes as _home  # noqa: F401
    from light.integrations import routes as _integrations  # noqa: F401
    from light.invoices import routes as _invoices  # noqa: F401
    from light.pay import routes as _pay  # noqa: F401
    from light.plumbing import jobs, webhooks
    from light.plumbing.jobs import routes as _jobs  # noqa: F401
    from light.plumbing.webhooks import routes as _webhooks  # noqa: F401
    from light.salesforce import outbound_routes as _salesforce_outbound  # noqa: F401
    from light.salesforce import routes as _salesforce  # noqa: F401
    from light.settings import routes as _settings  # noqa: F401
    from light.statements import routes as _statements
    from light.team import routes as _team  # noqa: F401
    from light.workflows import routes as _workflows  # noqa: F401

    for area in (home, auth, team, jobs, banking, customers, invoices, contracts, settings, integrations,
                 salesforce, workflows, webhooks, pay):
        app.register_blueprint(area.bp)
    app.register_blueprint(_statements.bp)  # Bank Reconciliation > Import statement
    app.register_blueprint(salesforce.outbound_bp)


def _init_registries(app: Flask) -> None:
    from light.schedule import SCHEDULE
    from light.stripe_events import SIGNING_SECRETS, STRIPE_EVENTS

    app.extensions["light_schedule"] = SCHEDULE
    app.extensions["light_stripe_events"] = STRIPE_EVENTS
    app.extensions["light_signing_secrets"] = SIGNING_SECRETS


def _init_web(app: Flask) -> None:
    from light import cli, error_pages, templating
    from light.plumbing import request_ids
    from light.web import refuse_nul_bytes, security_headers

    request_ids.init_app(app)  # first, so even a refused request has its id
    app.before_request(refuse_nul_bytes)
    app.after_request(security_headers)
    templating.init_app(app)
    error_pages.register(app)
    cli.register(app)


class _RedactSecrets(logging.Filter):
    """Belt and braces: Light never logs secrets, and this scrubs any that slip into a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.args:
            try:
                record.msg = record.getMessage()
                record.args = None
            except (TypeError, ValueError):
                return True
        if isinstance(record.msg, str):
            record.msg = redact_text(record.msg)
        return True


def _quiet_secrets_in_logs(app: Flask) -> None:
    # Filters on a logger don't see records its children propagate, so every handler gets one too.
    for logger in (logging.getLogger(), app.logger, logging.getLogger("werkzeug")):
        for target in (logger, *logger.handlers):
            if not any(isinstance(f, _RedactSecrets) for f in target.filters):
                target.addFilter(_RedactSecrets())
