"""The e-mails about invoices (through light.plumbing.mail, so they are also kept in the Outbox)."""
from flask import Response

from light.auth.models import Organization
from light.extensions import db
from light.invoices import document
from light.invoices.models import Invoice
from light.money import format_amount
from light.plumbing import mail
from light.settings.organization import DATE_FORMATS
from light.urls import external_url


def pay_url(invoice: Invoice) -> str:
    return external_url("pay.show", token=invoice.pay_token)


def _biller(organization: Organization) -> tuple[document.Biller, str]:
    """Who bills, from Settings > Organization, and its date format."""
    biller = document.Biller(name=organization.billing_name, address=organization.address,
                             tax_id=organization.tax_id, bank_details=organization.bank_details,
                             logo=organization.logo if organization.logo_type else None)
    return biller, DATE_FORMATS.get(organization.date_format, DATE_FORMATS["d_mon_y"])[0]


def invoice_document(invoice: Invoice) -> bytes:
    """The invoice's PDF, with the biller from Settings > Organization and its date format."""
    biller, chosen = _biller(_organization(invoice))
    return document.invoice_pdf(invoice, biller, date_format=chosen,
                                pay_url=pay_url(invoice) if invoice.payment_method == "stripe" else None)


def credit_note_document(note) -> bytes:
    biller, chosen = _biller(db.session.get(Organization, note.organization_id))
    return document.credit_note_pdf(note, biller, date_format=chosen)


def pdf_response(invoice: Invoice) -> Response:
    return _pdf(invoice_document(invoice), document.file_name(invoice))


def credit_note_pdf_response(note) -> Response:
    return _pdf(credit_note_document(note), document.file_name(note))


def _pdf(body: bytes, name: str) -> Response:
    return Response(body, mimetype="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "private, no-store"})


def _attachment(invoice: Invoice) -> list[tuple[str, str, bytes]]:
    return [(document.file_name(invoice), "application/pdf", invoice_document(invoice))]


def _summary(invoice: Invoice) -> str:
    return (f"Invoice {invoice.number} for {format_amount(invoice.total, invoice.currency)}, "
            f"due {invoice.due_date:%d %B %Y}.")


def _organization(invoice: Invoice) -> Organization | None:
    return db.session.get(Organization, invoice.organization_id)


def _org_name(invoice: Invoice) -> str:
    organization = _organization(invoice)
    return organization.billing_name if organization else "Light"


def _pay_to(invoice: Invoice) -> str:
    """Where a bank transfer goes, from Settings > Organization (nothing when it isn't set)."""
    organization = _organization(invoice)
    details = organization.bank_details.strip() if organization else ""
    return f"\nPay to:\n{details}\n" if details else ""


def send_pay_link(invoice: Invoice, *, reminder: str | None = None) -> None:
    org = _org_name(invoice)
    subject = f"{reminder}: invoice {invoice.number} from {org}" if reminder else f"Invoice {invoice.number} from {org}"
    text = (f"Hello {invoice.customer.name},\n\n{_summary(invoice)}\n\n"
            f"Amount due: {format_amount(invoice.amount_due, invoice.currency)}\n\n"
            f"Pay securely with Stripe: {pay_url(invoice)}\n\n"
            "Your card details can be saved with Stripe so later invoices are paid automatically.\n\n"
            f"Thank you,\n{org}\n")
    mail.send(organization_id=invoice.organization_id, to=invoice.customer.email, subject=subject, text=text,
              kind="invoice_reminder" if reminder else "invoice", attachments=_attachment(invoice))


def send_bank_transfer_invoice(invoice: Invoice, *, reminder: str | None = None) -> None:
    org = _org_name(invoice)
    subject = f"{reminder}: invoice {invoice.number} from {org}" if reminder else f"Invoice {invoice.number} from {org}"
    lines = "\n".join(f"- {line.description}: {format_amount(line.gross, invoice.currency)}" for line in invoice.lines)
    text = (f"Hello {invoice.customer.name},\n\n{_summary(invoice)}\n\n{lines}\n\n"
            f"Amount due: {format_amount(invoice.amount_due, invoice.currency)}\n"
            f"Please pay by bank transfer, quoting {invoice.number} as the reference.\n{_pay_to(invoice)}"
            f"\nThank you,\n{org}\n")
    mail.send(organization_id=invoice.organization_id, to=invoice.customer.email, subject=subject, text=text,
              kind="invoice_reminder" if reminder else "invoice", attachments=_attachment(invoice))


def send_receipt(invoice: Invoice, amount: int, payment_ref: str) -> None:
    org = _org_name(invoice)
    card = f" with your {invoice.customer.card_label}" if invoice.customer.has_saved_card else ""
    text = (f"Hello {invoice.customer.name},\n\nWe received your payment of {format_amount(amount, invoice.currency)}"
            f"{card} for invoice {invoice.number}. Thank you!\n\nPayment reference: {payment_ref}\n\n{org}\n")
    mail.send(organization_id=invoice.organization_id, to=invoice.customer.email,
              subject=f"Receipt for invoice {invoice.number} from {org}", text=text, kind="receipt")


def send_action_required(invoice: Invoice) -> None:
    org = _org_name(invoice)
    text = (f"Hello {invoice.customer.name},\n\nWe tried to charge your saved card for invoice {invoice.number} "
            f"({format_amount(invoice.amount_due, invoice.currency)}), and your bank asks you to confirm the "
            f"payment yourself.\n\nConfirm it here: {pay_url(invoice)}\n\n"
            f"Your card stays saved for later invoices.\n\n{org}\n")
    mail.send(organization_id=invoice.organization_id, to=invoice.customer.email,
              subject=f"Please confirm your payment for invoice {invoice.number}", text=text, kind="action_required")


def send_payment_failed_to_customer(invoice: Invoice, reason: str) -> None:
    org = _org_name(invoice)
    text = (f"Hello {invoice.customer.name},\n\nYour payment for invoice {invoice.number} "
            f"({format_amount(invoice.amount_due, invoice.currency)}) did not go through: {reason}\n\n"
            f"You can pay with another card here: {pay_url(invoice)}\n\n{org}\n")
    mail.send(organization_id=invoice.organization_id, to=invoice.customer.email,
              subject=f"Your payment for invoice {invoice.number} failed", text=text, kind="payment_failed")
