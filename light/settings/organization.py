"""Settings > Organization: who is billing, as printed on invoices, pay pages and e-mails, and how
Light writes dates and numbers invoices. Plain values in, checked, committed; InvalidInput out."""
import re
import zoneinfo

from light.auth.models import Organization
from light.errors import InvalidInput
from light.extensions import db

# Key -> (strftime, example). The keys are stored; the formats can't be chosen freely, so a
# format string from a form never reaches strftime.
DATE_FORMATS = {
    "d_mon_y": ("%d %b %Y", "02 Dec 2026"),
    "iso": ("%Y-%m-%d", "2026-12-02"),
    "dmy": ("%d/%m/%Y", "02/12/2026"),
    "mdy": ("%m/%d/%Y", "12/02/2026"),
}
MAX_LOGO_BYTES = 200 * 1024
# Only raster images, recognised by their first bytes: an SVG could carry script to a customer.
LOGO_SIGNATURES = {b"\x89PNG\r\n\x1a\n": "image/png", b"\xff\xd8\xff": "image/jpeg"}
_PREFIX = re.compile(r"[A-Za-z0-9][A-Za-z0-9/_.-]{0,9}")
_LIMITS = {"name": 120, "legal_name": 200, "address": 500, "tax_id": 60, "bank_details": 500}


def date_format_choices() -> list[tuple[str, str]]:
    return [(key, example) for key, (_, example) in DATE_FORMATS.items()]


def time_zones() -> list[str]:
    return sorted(zoneinfo.available_timezones())


def update(organization: Organization, form, logo: bytes | None = None, *, remove_logo: bool = False) -> Organization:
    errors: dict = {}
    values = {field: _text(form, field, limit, errors) for field, limit in _LIMITS.items()}
    if not values["name"]:
        errors["name"] = "Enter your organization's name."
    values["invoice_prefix"] = _prefix(form.get("invoice_prefix", ""), errors)
    # A form without the field (an older tab) leaves the credit notes' prefix as it was.
    values["credit_note_prefix"] = _prefix(form.get("credit_note_prefix", organization.credit_note_prefix or "CN-"),
                                           errors, field="credit_note_prefix", example="CN-")
    values["time_zone"] = _time_zone(form.get("time_zone", ""), errors)
    values["date_format"] = form.get("date_format", "")
    if values["date_format"] not in DATE_FORMATS:
        errors["date_format"] = "Choose one of the date formats shown."
    logo_type = _logo_type(logo, errors) if logo else None
    if errors:
        raise InvalidInput(errors)
    for field, value in values.items():
        setattr(organization, field, value)
    if logo:
        organization.logo, organization.logo_type = logo, logo_type
    elif remove_logo:
        organization.logo, organization.logo_type = None, None
    db.session.commit()
    return organization


def _text(form, field: str, limit: int, errors: dict) -> str:
    value = (form.get(field) or "").strip().replace("\r\n", "\n")
    if len(value) > limit:
        errors[field] = f"At most {limit} characters."
    one_line = field in ("name", "legal_name", "tax_id")
    if one_line and "\n" in value:
        errors[field] = "Keep it on one line."
    if "\x00" in value:
        errors[field] = "Remove the control characters."
    return value


def _prefix(value: str, errors: dict, *, field: str = "invoice_prefix", example: str = "INV-") -> str:
    value = (value or "").strip()
    if not _PREFIX.fullmatch(value):
        errors[field] = ("Use 1 to 10 letters, digits or / _ . -, starting with a letter or digit, "
                         f"like {example} or 2026/.")
    return value


def _time_zone(value: str, errors: dict) -> str:
    value = (value or "").strip()
    if value not in zoneinfo.available_timezones():
        errors["time_zone"] = "Choose a time zone from the list, like Europe/Berlin or America/New_York."
    return value


def _logo_type(logo: bytes, errors: dict) -> str | None:
    if len(logo) > MAX_LOGO_BYTES:
        errors["logo"] = (f"The logo is {len(logo) // 1024} KB; use a PNG or JPEG of at most "
                          f"{MAX_LOGO_BYTES // 1024} KB.")
        return None
    kind = next((kind for signature, kind in LOGO_SIGNATURES.items() if logo.startswith(signature)), None)
    if kind is None:
        errors["logo"] = "Use a PNG or JPEG image."
    return kind
