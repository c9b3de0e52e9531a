"""Configuration read from the environment, in one place (nothing reads it at import time)."""
import os


def _database_url(value: str | None, instance_path: str) -> str:
    if not value:
        return "sqlite:///" + os.path.join(instance_path, "light.sqlite3")
    # Heroku-style platforms still hand out postgres://, which SQLAlchemy 2 refuses.
    if value.startswith("postgres://"):
        value = "postgresql://" + value[len("postgres://"):]
    if value.startswith("postgresql://"):
        value = "postgresql+psycopg://" + value[len("postgresql://"):]
    return value


def _flag(name: str, default: str = "0") -> bool:
    return os.environ.get(name, default).strip().lower() in {"1", "true", "yes", "on"}


class Config:
    """Built from os.environ when create_app() runs; tests pass a dict of overrides instead."""

    def __init__(self, instance_path: str):
        env = os.environ.get
        self.LIGHT_ENV = env("LIGHT_ENV", "development")
        self.SECRET_KEY = env("SECRET_KEY")
        self.SQLALCHEMY_DATABASE_URI = _database_url(env("DATABASE_URL"), instance_path)
        self.SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
        self.REDIS_URL = env("REDIS_URL") or None
        self.RQ_QUEUE = env("RQ_QUEUE", "light")
        self.LOG_FORMAT = env("LIGHT_LOG_FORMAT", "text")  # "json": one JSON object a log line
        # Without Redis the web process ticks the clock itself (see light.plumbing.jobs.clock.start_embedded).
        self.EMBEDDED_CLOCK = _flag("LIGHT_EMBEDDED_CLOCK", "1")
        self.LIGHT_ENCRYPTION_KEY = env("LIGHT_ENCRYPTION_KEY")
        self.PREFERRED_URL_SCHEME = env("PREFERRED_URL_SCHEME", "http")
        if env("SERVER_NAME"):
            self.SERVER_NAME = env("SERVER_NAME")
        # Light's public URL, used to register webhooks and build links in e-mails.
        self.LIGHT_PUBLIC_URL = (env("LIGHT_PUBLIC_URL") or "").rstrip("/") or None
        self.SMTP_URL = env("SMTP_URL") or None
        self.MAIL_FROM = env("MAIL_FROM", "Light <billing@light.localhost>")
        self.SYNC_INTERVAL_MINUTES = int(env("SYNC_INTERVAL_MINUTES", "15"))
        self.CONTRACT_BILLING_INTERVAL_MINUTES = int(env("CONTRACT_BILLING_INTERVAL_MINUTES", "60"))
        self.INVOICE_REMINDER_INTERVAL_MINUTES = int(env("INVOICE_REMINDER_INTERVAL_MINUTES", "60"))
        self._stripe(env)
        self._salesforce(env)
        self._security(env)

    def _stripe(self, env) -> None:
        """Stripe: the same settings reach real Stripe or Light's sandbox."""
        self.STRIPE_API_BASE = env("STRIPE_API_BASE", "https://api.stripe.com")
        self.STRIPE_CONNECT_BASE = env("STRIPE_CONNECT_BASE", "https://connect.stripe.com")
        self.STRIPE_CLIENT_ID = env("STRIPE_CLIENT_ID")
        # Connect Bank > Stripe Account through Light's Stripe App (README "Running against real
        # Stripe"): its OAuth install link, and its client id when the link doesn't carry one.
        self.STRIPE_APP_INSTALL_URL = env("STRIPE_APP_INSTALL_URL") or None
        self.STRIPE_APP_CLIENT_ID = env("STRIPE_APP_CLIENT_ID") or None
        self.STRIPE_SECRET_KEY = env("STRIPE_SECRET_KEY")
        self.STRIPE_CONNECT_WEBHOOK_SECRET = env("STRIPE_CONNECT_WEBHOOK_SECRET")
        self.STRIPE_SANDBOX = _flag("STRIPE_SANDBOX")
        self.STRIPE_MAX_ATTEMPTS = int(env("STRIPE_MAX_ATTEMPTS", "5"))

    def _salesforce(self, env) -> None:
        """Salesforce: an External Client App's consumer key and secret; the login hosts reach real
        Salesforce or Light's local one (python -m salesforce_sandbox)."""
        self.SALESFORCE_CLIENT_ID = env("SALESFORCE_CLIENT_ID")
        self.SALESFORCE_CLIENT_SECRET = env("SALESFORCE_CLIENT_SECRET")
        self.SALESFORCE_PRODUCTION_LOGIN_URL = env("SALESFORCE_PRODUCTION_LOGIN_URL", "https://login.salesforce.com")
        self.SALESFORCE_SANDBOX_LOGIN_URL = env("SALESFORCE_SANDBOX_LOGIN_URL", "https://test.salesforce.com")
        # How often each connected org is asked for newly won deals, and how far each poll looks back
        # before the last change it saw (long transactions commit late).
        self.SALESFORCE_POLL_SECONDS = int(env("SALESFORCE_POLL_SECONDS", "120"))
        self.SALESFORCE_OVERLAP_SECONDS = int(env("SALESFORCE_OVERLAP_SECONDS", "300"))
        # How often invoiced deals are checked for being reopened, changed or deleted (one call each time).
        self.SALESFORCE_RECHECK_SECONDS = int(env("SALESFORCE_RECHECK_SECONDS", "3600"))
        self.SALESFORCE_DAYS_UNTIL_DUE = int(env("SALESFORCE_DAYS_UNTIL_DUE", "14"))

    def _security(self, env) -> None:
        """Cookies, request limits and the log-in throttle."""
        self.REMEMBER_COOKIE_DURATION = 60 * 60 * 24 * 30
        self.SESSION_COOKIE_HTTPONLY = True
        self.SESSION_COOKIE_SAMESITE = "Lax"
        self.REMEMBER_COOKIE_SAMESITE = "Lax"
        if self.LIGHT_ENV == "production":
            self.SESSION_COOKIE_SECURE = True
            self.REMEMBER_COOKIE_SECURE = True
        # No form of Light's comes near 1 MB; a bigger body is refused (413) before it is read.
        self.MAX_CONTENT_LENGTH = int(env("MAX_CONTENT_LENGTH", str(1024 * 1024)))
        # Except a bank statement file (Bank Reconciliation > Import statement), which may be larger.
        self.STATEMENT_MAX_BYTES = int(env("STATEMENT_MAX_BYTES", str(10 * 1024 * 1024)))
        self.WTF_CSRF_TIME_LIMIT = None  # tied to the session instead, so long-open tabs still post
        # werkzeug's generate_password_hash method; tests pick a cheap one, production keeps scrypt.
        self.PASSWORD_HASH_METHOD = "scrypt"
        self.LOGIN_MAX_FAILURES = int(env("LOGIN_MAX_FAILURES", "5"))
        self.LOGIN_LOCK_SECONDS = int(env("LOGIN_LOCK_SECONDS", "300"))
        # Attempts per client address within LOGIN_LOCK_SECONDS, over all e-mails (password spraying).
        self.LOGIN_MAX_FAILURES_PER_CLIENT = int(env("LOGIN_MAX_FAILURES_PER_CLIENT", "30"))
        # How long a "Forgot password" link works.
        self.PASSWORD_RESET_SECONDS = int(env("PASSWORD_RESET_SECONDS", "3600"))
        # How many proxies in front of Light set X-Forwarded-For/-Proto (1 on Heroku-style platforms);
        # 0 trusts none, so a client can't pick the address it is throttled by.
        self.TRUSTED_PROXIES = int(env("TRUSTED_PROXIES", "0"))

    def as_dict(self) -> dict:
        return {k: v for k, v in vars(self).items() if k.isupper()}
