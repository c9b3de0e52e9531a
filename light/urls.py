"""Absolute URLs for e-mails, Stripe redirects and webhook registration, built the same way in a
request, a job or the CLI: LIGHT_PUBLIC_URL when set (it must be, in production), else the host of
the request being served, else SERVER_NAME, else the development server's address."""
from flask import current_app, has_request_context, request

DEVELOPMENT_BASE = "http://127.0.0.1:5000"


def base_url() -> str:
    config = current_app.config
    if config.get("LIGHT_PUBLIC_URL"):
        return config["LIGHT_PUBLIC_URL"].rstrip("/")
    if has_request_context():
        return request.host_url.rstrip("/")
    if config.get("SERVER_NAME"):
        return f"{config.get('PREFERRED_URL_SCHEME') or 'http'}://{config['SERVER_NAME']}"
    return DEVELOPMENT_BASE


def path_for(endpoint: str, **values) -> str:
    """url_for's path, without needing a request or SERVER_NAME."""
    return current_app.url_map.bind("localhost").build(endpoint, values)


def external_url(endpoint: str, **values) -> str:
    return base_url() + path_for(endpoint, **values)
