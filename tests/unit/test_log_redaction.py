import logging

from light import _quiet_secrets_in_logs


def test_secrets_that_slip_into_a_log_record_are_redacted(caplog):
    _quiet_secrets_in_logs()
    caplog.handler.addFilter(next(f for f in logging.getLogger().filters))
    with caplog.at_level(logging.INFO):
        logging.getLogger("light.test").info("key %s and secret %s", "sk_test_51HxSECRETabcdef4242",
                                             "whsec_abcdefghijklmnop")
    text = caplog.text
    assert "SECRETabcdef4242" not in text and "abcdefghijklmnop" not in text
    assert "key sk_test_… and secret whsec_ab…" in text  # enough to recognise, never enough to use
