import pytest

from light import create_app
from light.config import Config


def test_heroku_postgres_urls_are_fixed_for_sqlalchemy(monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", "postgres://u:p@db.example:5432/light")
    assert Config(str(tmp_path)).SQLALCHEMY_DATABASE_URI == "postgresql+psycopg://u:p@db.example:5432/light"


def test_default_database_is_sqlite_under_instance(monkeypatch, tmp_path):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    assert Config(str(tmp_path)).SQLALCHEMY_DATABASE_URI == f"sqlite:///{tmp_path}/light.sqlite3"


def test_production_refuses_to_start_without_secrets(tmp_path):
    with pytest.raises(RuntimeError, match="LIGHT_ENCRYPTION_KEY"):
        create_app({"LIGHT_ENV": "production", "SECRET_KEY": "x", "LIGHT_ENCRYPTION_KEY": None,
                    "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app({"LIGHT_ENV": "production", "SECRET_KEY": None, "LIGHT_ENCRYPTION_KEY": "k",
                    "SQLALCHEMY_DATABASE_URI": "sqlite://"})
