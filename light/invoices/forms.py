"""Plain-data validation of the Create Invoice form (and the lines Contracts share with it).

Returns cleaned values plus {field: message}; the routes re-render with status 422 on errors.
Line fields repeat (line_description, line_quantity, line_unit_price, line_tax_rate); a line's
errors are keyed "lines-<index>-<field>".
"""
from dataclasses import dataclass
from datetime import date

from light.customers.forms import clean_currency_code
from light.invoices.totals import MAX_AMOUNT, Line, Totals, compute, format_quantity, line_amounts, parse_quantity
from light.money import MoneyError, is_currency, parse_amount, parse_rate, to_decimal_string

LINE_FIELDS = ("description", "quantity", "unit_price", "tax_rate")
MAX_LINES = 100
# Dates outside this range are typing mistakes (year 20225, 0001-…); they would also overflow
# date arithmetic (due date + reminder days, a contract's next periods).
EARLIEST_DATE, LATEST_DATE = date(2000, 1, 1), date(2099, 12, 31)


@dataclass(frozen=True)
class LineInput:
    description: str
    quantity_milli: int
    unit_price: int
    tax_rate: int

    def as_line(self) -> Line:
        return Line(self.quantity_milli, self.unit_price, self.tax_rate)


def line_rows(form) -> list[dict]:
    """The lines as typed, for re-rendering the form (blank rows dropped, one blank if none)."""
    columns = {f: form.getlist(f"line_{f}") for f in LINE_FIELDS}
    count = max((len(v) for v in columns.values()), default=0)
    rows = []
    for i in range(count):
        row = {f: (columns[f][i] if i < len(columns[f]) else "").strip() for f in LINE_FIELDS}
        if any(row.values()):
            rows.append(row)
    return rows


def rows_from_lines(lines, currency: str) -> list[dict]:
    """Stored lines back into form rows (e.g. editing a draft)."""
    return [{"description": line.description, "quantity": format_quantity(line.quantity_milli),
             "unit_price": to_decimal_string(line.unit_price, currency),
             "tax_rate": rate_text(line.tax_rate)} for line in lines]


def rate_text(basis_points: int) -> str:
    whole, frac = divmod(basis_points, 100)
    return str(whole) if not frac else f"{whole}.{frac:02d}".rstrip("0")


def clean_lines(rows: list[dict], currency: str, errors: dict) -> list[LineInput]:
    if not rows:
        errors["lines"] = "Add at least one line."
        return []
    if len(rows) > MAX_LINES:
        errors["lines"] = f"An invoice has at most {MAX_LINES} lines."
        return []
    lines = []
    for i, row in enumerate(rows):
        description = row["description"]
        if not description:
            errors[f"lines-{i}-description"] = "Describe what this line is for."
        elif len(description) > 300:
            errors[f"lines-{i}-description"] = "Descriptions are at most 300 characters."
        values = {}
        for name, parse in (("quantity", parse_quantity), ("tax_rate", parse_rate),
                            ("unit_price", lambda text: parse_amount(text, currency))):
            try:
                values[name] = parse(row[name])
            except MoneyError as error:
                errors[f"lines-{i}-{name}"] = str(error)
        if "unit_price" in values and values["unit_price"] < 0:
            errors[f"lines-{i}-unit_price"] = "Enter a unit price of zero or more."
        if not any(key.startswith(f"lines-{i}-") for key in errors):
            line = LineInput(description, values["quantity"], values["unit_price"], values["tax_rate"])
            if values["unit_price"] > MAX_AMOUNT or line_amounts(line.as_line()).gross > MAX_AMOUNT:
                errors[f"lines-{i}-unit_price"] = "That amount is too large."
                continue
            lines.append(line)
    if lines and sum(line_amounts(line.as_line()).gross for line in lines) > MAX_AMOUNT:
        errors["lines"] = "The total is too large: split it over several invoices."
    return lines


def parse_date(text: str, errors: dict, field: str, label: str) -> date | None:
    text = (text or "").strip()
    if not text:
        errors[field] = f"Enter the {label}."
        return None
    try:
        value = date.fromisoformat(text)
    except ValueError:
        errors[field] = f"Enter the {label} as a date, like 2025-01-31."
        return None
    if not EARLIEST_DATE <= value <= LATEST_DATE:
        errors[field] = f"Enter the {label} between {EARLIEST_DATE.year} and {LATEST_DATE.year}."
        return None
    return value


def clean_currency(form, errors: dict, default: str | None = None) -> str:
    return clean_currency_code(form.get("currency") or default, errors)


def clean_currency_for(form, errors: dict, customer_currency: str | None) -> str:
    """The document's currency: the one chosen, else the customer's. "" when neither is known (no
    customer could be resolved, and its own message says why: a blank Currency is no second
    mistake to report)."""
    if customer_currency is None and not (form.get("currency") or "").strip():
        return ""
    return clean_currency(form, errors, customer_currency)


def new_customer_currency(form) -> str | None:
    """The currency typed for a "New customer" (when that is the choice), if it is one."""
    if (form.get("customer_id") or "").strip() != "new":
        return None
    code = str(form.get("new_customer_currency") or "").strip().upper()
    return code if is_currency(code) else None


def running_totals(form, currency: str) -> tuple[Totals, int]:
    """The totals of the priced lines as typed so far, and how many of them aren't counted (a
    number missing or unreadable). For the form's running total; saving validates in full (clean_lines)."""
    counted, skipped = [], 0
    for row in line_rows(form)[:MAX_LINES]:
        if not row["unit_price"]:
            continue  # not priced yet (a new row comes with quantity 1): nothing to count or fix
        try:
            line = Line(parse_quantity(row["quantity"]), parse_amount(row["unit_price"], currency),
                        parse_rate(row["tax_rate"]))
        except MoneyError:
            skipped += 1
            continue
        if 0 <= line.unit_price <= MAX_AMOUNT and line_amounts(line).gross <= MAX_AMOUNT:
            counted.append(line)
        else:
            skipped += 1
    return compute(counted), skipped


def clean_payment_method(form, errors: dict, allowed=("stripe", "bank_transfer")) -> str:
    method = (form.get("payment_method") or "").strip()
    if method not in allowed:
        errors["payment_method"] = "Choose how the customer pays."
    return method


def clean_invoice(form, *, customer_currency: str | None) -> tuple[dict, list[LineInput], dict]:
    errors: dict = {}
    currency = clean_currency_for(form, errors, customer_currency)
    issue_date = parse_date(form.get("issue_date"), errors, "issue_date", "issue date")
    due_date = parse_date(form.get("due_date"), errors, "due_date", "due date")
    if issue_date and due_date and due_date < issue_date:
        errors["due_date"] = "The due date can't be before the issue date."
    payment_method = clean_payment_method(form, errors)
    lines = clean_lines(line_rows(form), currency, errors) if currency and "currency" not in errors else []
    values = {"currency": currency, "issue_date": issue_date, "due_date": due_date,
              "payment_method": payment_method,
              "po_number": clean_text(form, "po_number", "PO number", 60, errors, one_line=True),
              "terms": clean_text(form, "terms", "payment terms", 300, errors),
              "notes": clean_text(form, "notes", "notes", 2000, errors)}
    return values, lines, errors


def clean_text(form, field: str, label: str, limit: int, errors: dict, *, one_line: bool = False) -> str:
    """Optional text printed for the customer: trimmed, within `limit`, no control characters
    (line breaks are kept where the text may span lines)."""
    text = (form.get(field) or "").replace("\r\n", "\n").strip()
    if one_line:
        text = " ".join(text.split())
    if len(text) > limit:
        errors[field] = f"Keep the {label} to {limit} characters (it has {len(text)})."
    elif any(not (ch.isprintable() or ch == "\n") for ch in text):
        errors[field] = f"The {label} can only hold printable characters."
    return text


@dataclass(frozen=True)
class ManualPayment:
    amount: int
    paid_on: date
    method: str
    reference: str


def clean_manual_payment(form, currency: str, *, today: date, ways) -> tuple[ManualPayment | None, dict]:
    """Record a payment: amount, the day it arrived (not after today where the team works), how,
    and the bank's or cheque's reference. Returns the payment, or None with {field: message}."""
    errors: dict[str, str] = {}
    amount = None
    try:
        amount = parse_amount(form.get("amount", ""), currency)
    except MoneyError as error:
        errors["amount"] = str(error)
    paid_on = parse_date(form.get("paid_on") or today.isoformat(), errors, "paid_on", "date received")
    if paid_on and paid_on > today:
        errors["paid_on"] = f"The date received can't be after today ({today:%d %b %Y})."
    method = (form.get("method") or "bank_transfer").strip()
    if method not in ways:
        errors["method"] = "Choose how the payment arrived from the list."
    reference = " ".join((form.get("reference") or "").split())
    if len(reference) > 100:
        errors["reference"] = "Keep the reference to 100 characters."
    elif any(not ch.isprintable() for ch in reference):
        errors["reference"] = "The reference can only hold printable characters."
    if errors:
        return None, errors
    return ManualPayment(amount, paid_on, method, reference), {}
