"""The invoice and its credit notes as documents: PDFs built from the same facts the pages show
(fpdf2).

The fonts are DejaVu Sans, shipped beside this module (light/invoices/fonts, Bitstream Vera
licence), because the PDF's built-in fonts know only Latin-1: a customer called Zoë Ωmega or
Москва Ltd must print as typed, on any host. DejaVu has no Chinese, Japanese or Korean glyphs
(a CJK font is ~16 MB); those characters are left out of the PDF, and the page still shows them."""
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

from fpdf import FPDF

from light.invoices.totals import format_quantity
from light.money import format_amount

FONTS = Path(__file__).with_name("fonts")
INK, MUTED, RULE = (20, 20, 20), (105, 105, 105), (210, 210, 210)


@dataclass(frozen=True)
class Biller:
    name: str
    address: str = ""
    tax_id: str = ""
    bank_details: str = ""
    logo: bytes | None = None


def _document(title: str, biller: Biller) -> FPDF:
    pdf = FPDF(format="A4", unit="mm")
    pdf.set_title(title)
    pdf.set_author(biller.name)
    pdf.set_creator("Light")
    pdf.add_font("DejaVu", "", str(FONTS / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(FONTS / "DejaVuSans-Bold.ttf"))
    pdf.set_auto_page_break(auto=True, margin=18)
    pdf.set_margins(18, 18, 18)
    pdf.add_page()
    return pdf


def _dates(date_format: str):
    return (lambda day: day.strftime(date_format)) if date_format else (lambda day: day.isoformat())


def invoice_pdf(invoice, biller: Biller, *, date_format: str = "%d %b %Y", pay_url: str | None = None) -> bytes:
    """The issued invoice as PDF bytes. `pay_url` is printed on a Stripe invoice that is still open."""
    pdf = _document(f"Invoice {invoice.number}", biller)
    when = _dates(date_format)
    money = lambda minor: format_amount(minor, invoice.currency)  # noqa: E731
    facts = [("Issue date", when(invoice.issue_date)), ("Due date", when(invoice.due_date))]
    if invoice.po_number:
        facts.append(("PO number", invoice.po_number))
    _head(pdf, f"Invoice {invoice.number}", facts, invoice.customer, biller)
    _lines(pdf, invoice, money)
    _totals(pdf, invoice, money)

    if invoice.terms:
        _heading(pdf, "Payment terms")
        _text(pdf, invoice.terms)
    if invoice.payment_method == "bank_transfer":
        _heading(pdf, "How to pay")
        _text(pdf, f"By bank transfer, quoting {invoice.number} as the reference."
                   + (f"\n{biller.bank_details}" if biller.bank_details else ""))
    elif pay_url and invoice.amount_due > 0 and not invoice.is_settled and invoice.status != "void":
        _heading(pdf, "How to pay")
        _text(pdf, f"Pay securely with Stripe: {pay_url}")
    if invoice.notes:
        _heading(pdf, "Notes")
        _text(pdf, invoice.notes)
    return bytes(pdf.output())


def credit_note_pdf(note, biller: Biller, *, date_format: str = "%d %b %Y") -> bytes:
    """A credit note as PDF bytes: who credits whom, how much, against which invoice and why."""
    invoice = note.invoice
    pdf = _document(f"Credit note {note.number}", biller)
    when = _dates(date_format)
    money = lambda minor: format_amount(minor, note.currency)  # noqa: E731
    facts = [("Date", when(note.issue_date)), ("Invoice", invoice.number or ""),
             ("Invoice date", when(invoice.issue_date))]
    if invoice.po_number:
        facts.append(("PO number", invoice.po_number))
    _head(pdf, f"Credit note {note.number}", facts, invoice.customer, biller, party="Credit to")
    pdf.set_font("DejaVu", "", 9)
    pdf.set_draw_color(*RULE)
    with pdf.table(col_widths=(80, 20), text_align=("LEFT", "RIGHT"), borders_layout="HORIZONTAL_LINES",
                   line_height=6, first_row_as_headings=True) as table:
        table.row(("Description", "Amount"))
        table.row((f"Credit against invoice {invoice.number}: {note.reason}", money(note.amount)))
    pdf.ln(3)
    label_x = pdf.l_margin + pdf.epw * 0.55
    for label, value, bold in (("Invoice total", money(invoice.total), False),
                               ("Credited", money(-note.amount), True)):
        pdf.set_font("DejaVu", "B" if bold else "", 10 if bold else 9)
        pdf.set_x(label_x)
        pdf.cell(pdf.epw * 0.25, 6, label)
        pdf.cell(pdf.epw * 0.20, 6, value, align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    _heading(pdf, "How it is given back")
    _text(pdf, "Refunded to the card or account that paid, through Stripe." if note.stripe_refund_id
          else "Given back outside Stripe, as agreed with you.")
    return bytes(pdf.output())


def _head(pdf: FPDF, title: str, facts, customer, biller: Biller, *, party: str = "Bill to") -> None:
    """Who bills (left), the document's title and dates (right), then whom it concerns."""
    width = pdf.epw
    _biller(pdf, biller)
    pdf.set_xy(pdf.l_margin + width / 2, 18)
    pdf.set_font("DejaVu", "B", 18)
    pdf.cell(width / 2, 9, title, align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 9)
    for label, value in facts:
        pdf.set_x(pdf.l_margin + width / 2)
        pdf.set_text_color(*MUTED)
        pdf.cell(width / 4, 5, label, align="R")
        pdf.set_text_color(*INK)
        pdf.cell(width / 4, 5, value, align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.set_y(max(pdf.get_y(), 52))

    _heading(pdf, party)
    pdf.set_font("DejaVu", "B", 10)
    pdf.multi_cell(width, 5, customer.name, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 9)
    pdf.multi_cell(width, 4.5, "\n".join(part for part in (customer.address, customer.email) if part),
                   new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)


def _biller(pdf: FPDF, biller: Biller) -> None:
    top = pdf.get_y()
    if biller.logo:
        try:
            pdf.image(BytesIO(biller.logo), x=pdf.l_margin, y=top, h=14)
            pdf.set_y(top + 16)
        except Exception:  # noqa: BLE001 - a logo fpdf can't read must not stop the invoice
            pdf.set_y(top)
    pdf.set_font("DejaVu", "B", 11)
    pdf.set_text_color(*INK)
    pdf.multi_cell(pdf.epw / 2, 5.5, biller.name, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 9)
    details = "\n".join(part for part in (biller.address, f"Tax id {biller.tax_id}" if biller.tax_id else "") if part)
    if details:
        pdf.multi_cell(pdf.epw / 2, 4.5, details, new_x="LMARGIN", new_y="NEXT")


def _heading(pdf: FPDF, text: str) -> None:
    pdf.ln(2)
    pdf.set_font("DejaVu", "B", 9)
    pdf.set_text_color(*MUTED)
    pdf.cell(pdf.epw, 5, text.upper(), new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(*INK)


def _text(pdf: FPDF, text: str) -> None:
    pdf.set_font("DejaVu", "", 9)
    pdf.multi_cell(pdf.epw, 4.5, text, new_x="LMARGIN", new_y="NEXT")


def _lines(pdf: FPDF, invoice, money) -> None:
    pdf.set_font("DejaVu", "", 9)
    pdf.set_draw_color(*RULE)
    align = ("LEFT", "RIGHT", "RIGHT", "RIGHT", "RIGHT", "RIGHT")
    with pdf.table(col_widths=(46, 10, 16, 10, 14, 18), text_align=align,
                   borders_layout="HORIZONTAL_LINES", line_height=6, first_row_as_headings=True) as table:
        table.row(("Description", "Qty", "Unit price", "Tax", "Tax amount", "Amount"))
        for line in invoice.lines:
            table.row((line.description, format_quantity(line.quantity_milli), money(line.unit_price),
                       f"{_rate(line.tax_rate)}%", money(line.tax), money(line.gross)))
    pdf.ln(3)


def _rate(basis_points: int) -> str:
    whole, part = divmod(int(basis_points), 100)
    return f"{whole}" if not part else f"{whole}.{part:02d}".rstrip("0")


def _totals(pdf: FPDF, invoice, money) -> None:
    rows = [("Subtotal", money(invoice.subtotal)), ("Tax", money(invoice.tax_total)), ("Total", money(invoice.total))]
    if invoice.amount_paid:
        rows.append(("Paid", money(invoice.amount_paid)))
    if invoice.amount_returned:
        rows.append(("Refunded", money(-invoice.amount_returned)))
    if not invoice.is_settled and invoice.status != "void":
        rows.append(("Amount due", money(invoice.amount_due)))
    label_x = pdf.l_margin + pdf.epw * 0.55
    for label, value in rows:
        bold = label in ("Total", "Amount due")
        pdf.set_font("DejaVu", "B" if bold else "", 10 if bold else 9)
        pdf.set_x(label_x)
        pdf.cell(pdf.epw * 0.25, 6, label)
        pdf.cell(pdf.epw * 0.20, 6, value, align="R", new_x="LMARGIN", new_y="NEXT")
    if invoice.is_settled:
        pdf.set_x(label_x)
        pdf.set_font("DejaVu", "B", 10)
        pdf.cell(pdf.epw * 0.45, 7, invoice.status_label.upper(), align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)


def file_name(document) -> str:
    """`INV-0042.pdf`, `CN-0001.pdf`; a prefix may hold "/", which a file name can't."""
    return "".join(ch if ch.isalnum() or ch in "-_." else "-" for ch in (document.number or "draft")) + ".pdf"
