"""The few HTML pages the sandbox serves (OAuth consent): plain semantic HTML,
labelled inputs, no JavaScript, so a browser test can drive them by role and label."""
from flask import Response
from markupsafe import escape

STYLE = """
body{font-family:system-ui,sans-serif;max-width:34rem;margin:2rem auto;padding:0 1rem;color:#1a1f36}
label{display:block;margin:.75rem 0 .25rem}input[type=text]{width:100%;padding:.4rem;font-size:1rem}
button{margin:1rem .5rem 0 0;padding:.5rem 1.25rem;font-size:1rem}table{width:100%;border-collapse:collapse}
td,th{padding:.3rem 0;text-align:left}td.amount,th.amount{text-align:right}
.error{color:#b00020;font-weight:600}.banner{background:#fff3cd;padding:.4rem;font-size:.85rem}
"""


def page(title, body, status=200):
    html = (f"<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            f"<title>{escape(title)}</title><style>{STYLE}</style></head><body>"
            f"<p class=\"banner\" role=\"note\">Salesforce sandbox (a local imitation, test data)</p>"
            f"<main><h1>{escape(title)}</h1>{body}</main></body></html>")
    return Response(html, status=status, mimetype="text/html")


def hidden(name, value):
    return f'<input type="hidden" name="{escape(name)}" value="{escape(value or "")}">'


def error_paragraph(message):
    return f'<p class="error" role="alert">{escape(message)}</p>' if message else ""
