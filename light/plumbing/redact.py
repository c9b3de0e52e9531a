"""Keeping secrets out of logs: request lines carry tokens (a pay link's, an invitation's, the OAuth
callback's code), and a key may slip into a message. Used by the logging filter the factory
installs and by gunicorn's access log (light.plumbing.access_log)."""
import re

SECRET = re.compile(r"\b(sk|rk|pk)_(test|live)_[A-Za-z0-9]{4,}|\bwhsec_[A-Za-z0-9]{4,}|\b(ac|rt)_[A-Za-z0-9]{8,}")
# Paths whose last segment is a bearer token: whoever has the URL can act with it.
TOKEN_PATH = re.compile(r"^(/pay|/invite)/[^/?#\s]+")
TOKEN_ANYWHERE = re.compile(r"(?<![\w/])(/pay|/invite)/[^/?#\s\]\[\"']+")
ABSOLUTE = re.compile(r"([a-z][a-z0-9+.-]*://[^/]*)?(.*)", re.IGNORECASE | re.DOTALL)


REQUEST_LINE = re.compile(r"\b(GET|HEAD|POST|PUT|PATCH|DELETE|OPTIONS) (/\S*)")


def redact_text(text: str) -> str:
    """A log message with keys cut short and any request line's URL redacted (the development
    server logs request lines as messages)."""
    text = REQUEST_LINE.sub(lambda m: f"{m.group(1)} {redact_url(m.group(2))}", text)
    text = TOKEN_ANYWHERE.sub(lambda m: m.group(1) + "/…", text)  # "Exception on /pay/<token> [GET]"
    return SECRET.sub(lambda m: m.group(0)[:8] + "…", text)


def redact_url(url: str) -> str:
    """A URL or path as it may be logged: no query string (codes, session ids), no fragment and
    no token segments."""
    url, _, _ = url.partition("#")
    url, _, query = url.partition("?")
    origin, path = ABSOLUTE.match(url).groups(default="")
    return origin + TOKEN_PATH.sub(lambda m: m.group(1) + "/…", path) + ("?…" if query else "")
