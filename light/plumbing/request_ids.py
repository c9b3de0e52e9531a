"""Every request gets an id: an incoming X-Request-Id when it is short and safe (a proxy's or a
load balancer's, so one id follows the request through), else a fresh one. It is sent back in the
X-Request-Id header and stamped on every log record written while the request is handled
(`record.request_id`; "-" outside a request), so one request's lines can be found together.
With LIGHT_LOG_FORMAT=json each line is one JSON object instead, for a log platform to index."""
import json
import logging
import re
import time
import uuid

from flask import g, has_request_context, request
from flask.logging import default_handler

HEADER = "X-Request-Id"
SAFE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,63}")
LOG_FORMAT = "[%(asctime)s] %(levelname)s in %(module)s [%(request_id)s]: %(message)s"


def current() -> str | None:
    return g.get("request_id") if has_request_context() else None


def _assign() -> None:
    incoming = request.headers.get(HEADER, "")
    g.request_id = incoming if SAFE.fullmatch(incoming) else uuid.uuid4().hex


def _answer(response):
    request_id = current()
    if request_id:
        response.headers[HEADER] = request_id
    return response


class RequestIdFilter(logging.Filter):
    """Adds `request_id` to each record (never drops one)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current() or "-"
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time (UTC, ISO 8601), level, logger, request_id, message[, exception]."""

    def format(self, record: logging.LogRecord) -> str:
        line = {"time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S") + f".{int(record.msecs):03d}Z",
                "level": record.levelname, "logger": record.name,
                "request_id": getattr(record, "request_id", None) or current() or "-",
                "message": record.getMessage()}
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False)


JsonFormatter.converter = time.gmtime


def init_app(app) -> None:
    app.before_request(_assign)
    app.after_request(_answer)
    json_lines = (app.config.get("LOG_FORMAT") or "").lower() == "json"
    default_handler.setFormatter(JsonFormatter() if json_lines else logging.Formatter(LOG_FORMAT))
    # Filters on a logger don't see records its children propagate: every handler gets one, and so
    # do the loggers themselves, for handlers added to them later.
    loggers = (logging.getLogger(), app.logger, logging.getLogger("gunicorn.error"))
    for target in (default_handler, *loggers, *(h for lg in loggers for h in lg.handlers)):
        if not any(isinstance(f, RequestIdFilter) for f in target.filters):
            target.addFilter(RequestIdFilter())
