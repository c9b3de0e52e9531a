"""Operations: /healthz names what failed, and every request has an id, in its answer and its logs."""
import logging

from redis import Redis

from light.extensions import db
from tests.conftest import make_app, make_config


def test_healthz_answers_ok_when_the_database_and_redis_answer(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "checks": {"database": "ok", "redis": "ok"}}


def test_healthz_without_redis_checks_only_the_database(database_url):
    app = make_app(make_config(database_url, REDIS_CONNECTION=None, REDIS_URL=None))
    response = app.test_client().get("/healthz")
    assert response.status_code == 200 and response.get_json()["checks"]["redis"] == "not configured"


def test_healthz_answers_503_naming_redis_when_redis_is_down(database_url):
    unreachable = Redis(host="127.0.0.1", port=1, socket_connect_timeout=0.5)
    app = make_app(make_config(database_url, REDIS_CONNECTION=unreachable))
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["failed"] == ["redis"] and response.get_json()["checks"]["database"] == "ok"


def test_healthz_answers_503_naming_the_database_when_it_is_down(redis_connection):
    down = "postgresql+psycopg://nobody@127.0.0.1:1/light?connect_timeout=1"
    app = make_app(make_config(down, REDIS_CONNECTION=redis_connection))
    with app.app_context():
        response = app.test_client().get("/healthz")
        db.session.remove()
    assert response.status_code == 503
    body = response.get_json()
    assert body["failed"] == ["database"] and body["checks"]["redis"] == "ok" and "nobody" not in response.text


def test_each_request_gets_an_id_in_its_answer(client):
    first, second = client.get("/healthz"), client.get("/healthz")
    assert len(first.headers["X-Request-Id"]) == 32 and first.headers["X-Request-Id"] != second.headers["X-Request-Id"]


def test_an_incoming_request_id_is_kept_when_short_and_safe_and_replaced_otherwise(client):
    assert client.get("/healthz", headers={"X-Request-Id": "lb-7f3a.91:2"}).headers["X-Request-Id"] == "lb-7f3a.91:2"
    for bad in ("x" * 65, "two words", "evil\\r\\nSet-Cookie: a=b", "<script>", "-leading"):
        answered = client.get("/healthz", headers={"X-Request-Id": bad}).headers["X-Request-Id"]
        assert answered != bad and len(answered) == 32
    assert client.get("/no-such-page").headers["X-Request-Id"]  # error pages too


class Records(logging.Handler):
    def __init__(self):
        super().__init__()
        self.records = []

    def emit(self, record):
        self.records.append(record)


def test_log_records_written_during_a_request_carry_its_id(database_url, redis_connection):
    records = Records()
    root = logging.getLogger()
    root.addHandler(records)
    try:
        app = make_app(make_config(database_url, REDIS_CONNECTION=redis_connection))

        @app.route("/_test/log")
        def log_something():
            logging.getLogger("light.somewhere").warning("inside the request")
            return "ok"

        response = app.test_client().get("/_test/log", headers={"X-Request-Id": "req-abc123"})
        logging.getLogger("light.somewhere").warning("outside any request")
    finally:
        root.removeHandler(records)
    assert response.headers["X-Request-Id"] == "req-abc123"
    ids = {r.getMessage(): r.request_id for r in records.records if r.name == "light.somewhere"}
    assert ids == {"inside the request": "req-abc123", "outside any request": "-"}


def test_with_json_logs_each_line_is_an_object_carrying_the_request_id(database_url, redis_connection):
    import json

    from flask.logging import default_handler
    records = Records()
    root = logging.getLogger()
    root.addHandler(records)
    try:
        app = make_app(make_config(database_url, REDIS_CONNECTION=redis_connection, LOG_FORMAT="json"))

        @app.route("/_test/log")
        def log_something():
            logging.getLogger("light.somewhere").warning("paid %s", "INV-1")
            return "ok"

        app.test_client().get("/_test/log", headers={"X-Request-Id": "req-json1"})
        lines = [json.loads(default_handler.formatter.format(r)) for r in records.records
                 if r.name == "light.somewhere"]
    finally:
        root.removeHandler(records)
        make_app(make_config(database_url, REDIS_CONNECTION=redis_connection))  # text lines again for the rest
    assert [(line["level"], line["logger"], line["request_id"], line["message"]) for line in lines] == [
        ("WARNING", "light.somewhere", "req-json1", "paid INV-1")]
    assert lines[0]["time"].endswith("Z")
