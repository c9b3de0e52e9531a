import io
import logging

from light import create_app


def _app():
    return create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "x", "TESTING": True})


def test_secrets_that_slip_into_a_log_record_are_redacted():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        _app()  # the factory filters every handler of the root logger
        logging.getLogger("light.test").warning("key %s and secret %s", "sk_test_51HxSECRETabcdef4242",
                                                "whsec_abcdefghijklmnop")
    finally:
        root.removeHandler(handler)
    text = stream.getvalue()
    assert "SECRETabcdef4242" not in text and "abcdefghijklmnop" not in text
    assert "key sk_test_… and secret whsec_ab…" in text  # enough to recognise, never enough to use


def test_flasks_own_error_log_keeps_pay_and_invitation_tokens_out():
    app = _app()
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    app.logger.addHandler(handler)
    try:  # the message Flask logs for a 500: the factory filtered app.logger itself
        app.logger.error("Exception on %s [%s]", "/pay/s3cretPayToken", "GET")
        app.logger.error("Exception on %s [%s]", "/invite/s3cretInvitation/accept", "POST")
    finally:
        app.logger.removeHandler(handler)
    assert "s3cret" not in stream.getvalue()
    assert "Exception on /pay/… [GET]" in stream.getvalue()
