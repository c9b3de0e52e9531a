"""What may be logged of a request: no query strings, no bearer tokens in paths, no keys."""
from datetime import timedelta
from types import SimpleNamespace

from gunicorn.config import Config
from gunicorn.glogging import SafeAtoms

from light.plumbing.access_log import RedactingLogger
from light.plumbing.redact import redact_text, redact_url


def test_query_strings_and_token_segments_are_cut():
    assert redact_url("/bank-reconciliation/connect/stripe/callback?code=ac_123&state=x") == \
        "/bank-reconciliation/connect/stripe/callback?…"
    assert redact_url("/pay/Zx8-secret-token?session_id=cs_1") == "/pay/…?…"
    assert redact_url("/pay/Zx8-secret-token/checkout") == "/pay/…/checkout"
    assert redact_url("/invite/abcDEF123") == "/invite/…"
    assert redact_url("/invoices/12") == "/invoices/12"


def test_a_development_server_request_line_is_redacted_inside_a_message():
    line = '127.0.0.1 - - [02/Dec/2026 14:00:00] "GET /pay/tok3n?session_id=cs_9 HTTP/1.1" 200 -'
    assert redact_text(line) == '127.0.0.1 - - [02/Dec/2026 14:00:00] "GET /pay/…?… HTTP/1.1" 200 -'
    assert redact_text("key sk_test_abcdefghijkl failed") == "key sk_test_… failed"


def test_gunicorns_access_log_goes_through_the_redaction():
    logger = RedactingLogger(Config())
    request = SimpleNamespace(headers=[], method="GET", uri="/pay/tok3n?session_id=cs_9",
                              path="/pay/tok3n", query="session_id=cs_9", version=(1, 1))
    response = SimpleNamespace(status="200 OK", sent=12, headers=[], response_length=12)
    environ = {"REMOTE_ADDR": "127.0.0.1", "REQUEST_METHOD": "GET", "PATH_INFO": "/pay/tok3n",
               "QUERY_STRING": "session_id=cs_9", "HTTP_REFERER": "https://light.example/invite/abc?x=1",
               "RAW_URI": "/pay/tok3n?session_id=cs_9", "SERVER_PROTOCOL": "HTTP/1.1"}
    atoms = logger.atoms(response, request, environ, timedelta(seconds=0.01))
    line = logger.cfg.access_log_format % SafeAtoms(atoms)  # as gunicorn writes it
    assert "tok3n" not in line and "cs_9" not in line and "abc" not in line
    assert '"GET /pay/…?… HTTP/1.1" 200' in line
    assert not any("tok3n" in str(value) for value in atoms.values())
