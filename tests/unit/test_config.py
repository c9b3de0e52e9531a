import pytest

from light import create_app
from light.auth.models import User
from light.config import Config


def test_heroku_postgres_urls_are_fixed_for_sqlalchemy(monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", "postgres://u:p@db.example:5432/light")
    assert Config(str(tmp_path)).SQLALCHEMY_DATABASE_URI == "postgresql+psycopg://u:p@db.example:5432/light"


def test_default_database_is_sqlite_under_instance(monkeypatch, tmp_path):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    assert Config(str(tmp_path)).SQLALCHEMY_DATABASE_URI == f"sqlite:///{tmp_path}/light.sqlite3"


def test_passwords_are_hashed_with_scrypt_unless_a_test_says_otherwise(monkeypatch, tmp_path):
    monkeypatch.delenv("PASSWORD_HASH_METHOD", raising=False)
    assert Config(str(tmp_path)).PASSWORD_HASH_METHOD == "scrypt"
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "x"})
    assert app.config["PASSWORD_HASH_METHOD"] == "scrypt"
    with app.app_context():
        user = User(email="a@example.com", name="A")
        user.set_password("correct horse battery")
        assert user.password_hash.startswith("scrypt:")
        assert user.check_password("correct horse battery") and not user.check_password("wrong")


def test_production_refuses_to_start_without_secrets(tmp_path):
    with pytest.raises(RuntimeError, match="LIGHT_ENCRYPTION_KEY"):
        create_app({"LIGHT_ENV": "production", "SECRET_KEY": "x", "LIGHT_ENCRYPTION_KEY": None,
                    "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app({"LIGHT_ENV": "production", "SECRET_KEY": None, "LIGHT_ENCRYPTION_KEY": "k",
                    "SQLALCHEMY_DATABASE_URI": "sqlite://"})
