"""Shared fixtures: the app on a real database, Redis (real or fakeredis), an auth helper,
a real SMTP server, a live server and a Playwright page on Debian's Chromium."""
import os
import uuid

import jinja2
import pytest
from sqlalchemy import create_engine, text

from light import create_app
from light.extensions import db
from light.plumbing.crypto import derive_key

pytest_plugins = ["tests.fixtures.web", "tests.fixtures.mailbox", "tests.fixtures.browser", "tests.fixtures.invoices",
                  "tests.fixtures.shared_app"]
if os.path.exists(os.path.join(os.path.dirname(__file__), "fixtures", "stripe_sandbox.py")):
    pytest_plugins.append("tests.fixtures.stripe_sandbox")
if os.path.exists(os.path.join(os.path.dirname(__file__), "fixtures", "salesforce_sandbox.py")):
    pytest_plugins.append("tests.fixtures.salesforce_sandbox")


def _database_url(tmp_path_factory) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        from light.config import _database_url as normalise

        return normalise(url, "")
    return "sqlite:///" + str(tmp_path_factory.mktemp("db") / "light-test.sqlite3")


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    url = _database_url(tmp_path_factory)
    engine = create_engine(url)
    import light.models  # noqa: F401

    with engine.begin() as conn:
        if url.startswith("sqlite"):
            conn.execute(text("PRAGMA journal_mode=WAL"))
    db.metadata.drop_all(engine)
    db.metadata.create_all(engine)
    engine.dispose()
    yield url


@pytest.fixture(scope="session")
def redis_connection():
    """Real Redis when REDIS_URL is set (CI), else fakeredis."""
    url = os.environ.get("REDIS_URL")
    if url:
        from redis import Redis

        conn = Redis.from_url(url)
        conn.ping()
        return conn
    import fakeredis

    return fakeredis.FakeRedis()


def make_config(database_url, **overrides) -> dict:
    config = {
        "TESTING": True,
        "LIGHT_ENV": "test",
        "SECRET_KEY": "test-secret-key",
        "LIGHT_ENCRYPTION_KEY": derive_key("light-tests"),
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SERVER_NAME": None,
        "SMTP_URL": None,
        "JOBS_RERAISE": True,
        # Route tests post without tokens; tests/integration/test_csrf.py and the browser tests run with it on.
        "WTF_CSRF_ENABLED": False,
        "LOGIN_MAX_FAILURES": 5,
        "LOGIN_LOCK_SECONDS": 300,
        "RQ_QUEUE": f"light-test-{uuid.uuid4().hex[:12]}",
        # One iteration instead of scrypt: hashing twice per test was half the suite's time.
        # Production keeps scrypt (tests/unit/test_config.py); check_password reads the method from the hash.
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1",
    }
    config.update(overrides)
    return config


@pytest.fixture
def app_config(database_url, redis_connection):
    """Tests may change this dict before the app fixture is first used."""
    return make_config(database_url, REDIS_CONNECTION=redis_connection)


class MemoryBytecodeCache(jinja2.BytecodeCache):
    """Compiled templates kept for the session, shared by every test app (keyed by the template's
    name and source checksum, so an edited template is compiled afresh)."""

    def __init__(self):
        self._buckets: dict[str, bytes] = {}

    def load_bytecode(self, bucket):
        code = self._buckets.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket):
        self._buckets[bucket.key] = bucket.bytecode_to_string()

    def clear(self):
        self._buckets.clear()


TEMPLATE_CACHE = MemoryBytecodeCache()


def make_app(config: dict):
    """create_app() for a test: the app, with templates compiled once per session."""
    app = create_app(config)
    app.jinja_env.bytecode_cache = TEMPLATE_CACHE
    return app


@pytest.fixture
def app(app_config, database_url):
    app = make_app(app_config)
    with app.app_context():
        yield app
        db.session.remove()
        _empty_tables()
        db.session.remove()
        # Each test's app has its own connection pool: close it now rather than at garbage
        # collection, or a PostgreSQL run piles up idle connections until "too many clients".
        for engine in db.engines.values():
            engine.dispose()


def _empty_tables() -> None:
    tables = list(reversed(db.metadata.sorted_tables))
    with db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in tables)
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                conn.execute(table.delete())


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def run_jobs(app):
    """Drain the queue with a real RQ worker (SimpleWorker: same process, real Redis protocol)."""
    from rq import SimpleWorker

    def drain() -> int:
        backend = app.extensions["light_jobs"]
        worker = SimpleWorker([backend.queue], connection=backend.queue.connection)
        worker.work(burst=True)
        return worker.successful_job_count if hasattr(worker, "successful_job_count") else 0

    return drain
