"""The reconciliation view's per-line URLs, from one `url_for` per endpoint and request.

A page of 50 lines has about 230 links and forms (each action's action= and hx-post=, the
invoices a line is matched to). Building each through `url_for` was most of the page's URL cost;
here each endpoint is built once, around a placeholder id, and each line's URL is that pattern
with its id put in. Same URLs, same routing (`SCRIPT_NAME` included): only fewer builds.
"""
from flask import g, url_for

from light.ids import MAX_ID

PLACEHOLDER = str(MAX_ID)  # a valid id for every converter; no other part of these URLs is a number
LINE_ACTIONS = ("accept", "decline", "unmatch", "exclude", "include", "match_form")


class _Pattern:
    __slots__ = ("head", "tail")

    def __init__(self, endpoint: str, arg: str):
        url = url_for(endpoint, **{arg: MAX_ID})
        if url.count(PLACEHOLDER) != 1:  # a route whose path has the placeholder's digits elsewhere
            raise ValueError(f"can't make a pattern of {url}")
        self.head, _, self.tail = url.partition(PLACEHOLDER)

    def __call__(self, ident) -> str:
        return f"{self.head}{ident}{self.tail}"


class LineLinks:
    """One line's action URLs, as attributes (what the row's template reads)."""

    __slots__ = LINE_ACTIONS

    def __init__(self, patterns: dict, line_id: int):
        for name in LINE_ACTIONS:
            setattr(self, name, patterns[name](line_id))


class LineUrls:
    """This request's patterns; `of(line_id)` for a line's actions, `invoice(id)`, `payout(id)`."""

    def __init__(self):
        self._actions = {name: _Pattern(f"banking.{name}", "line_id") for name in LINE_ACTIONS}
        self.invoice = _Pattern("invoices.show", "invoice_id")
        self.payout = _Pattern("banking.payout", "payout_id")

    def of(self, line_id: int) -> LineLinks:
        return LineLinks(self._actions, line_id)


def line_urls() -> LineUrls:
    """Built once per request (the patterns depend on the request's script root)."""
    found = g.get("light_line_urls")
    if found is None:
        found = g.light_line_urls = LineUrls()
    return found
