"""The migrations in migrations/ build exactly the schema the models describe, on SQLite and on
PostgreSQL (when TEST_DATABASE_URL is set), and can be rolled back."""
import os
import subprocess
import sys
import uuid

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text

from light.extensions import db

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _flask_db(args, url, tmp_path):
    env = {**os.environ, "DATABASE_URL": url, "LIGHT_INSTANCE_PATH": str(tmp_path), "REDIS_URL": ""}
    result = subprocess.run([sys.executable, "-m", "flask", "--app", "app", "db", *args], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr


def _assert_matches_models(url):
    import light.models  # noqa: F401

    engine = create_engine(url)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), db.metadata)
        # Autogenerate doesn't compare primary keys: check them here.
        inspector = inspect(conn)
        keys = {t.name: sorted(c.name for c in t.primary_key) for t in db.metadata.sorted_tables}
        migrated = {name: sorted(inspector.get_pk_constraint(name)["constrained_columns"]) for name in keys}
    engine.dispose()
    assert diff == [], f"models and migrations disagree; run `flask db migrate`: {diff}"
    assert migrated == keys


def _databases(tmp_path):
    yield "sqlite", f"sqlite:///{tmp_path}/migrated.sqlite3"
    base = os.environ.get("TEST_DATABASE_URL")
    if base:
        from light.config import _database_url

        url = _database_url(base, "")
        name = f"light_migrations_{uuid.uuid4().hex[:8]}"
        admin = create_engine(url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            yield "postgresql", url.rsplit("/", 1)[0] + "/" + name
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()


def test_migrations_build_the_models_schema_and_roll_back(tmp_path):
    seen = []
    for dialect, url in _databases(tmp_path):
        seen.append(dialect)
        _flask_db(["upgrade"], url, tmp_path)
        _assert_matches_models(url)
        _flask_db(["downgrade", "base"], url, tmp_path)
        engine = create_engine(url)
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
        engine.dispose()
    assert seen == (["sqlite", "postgresql"] if os.environ.get("TEST_DATABASE_URL") else ["sqlite"])
