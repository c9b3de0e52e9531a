"""CAMT.053 (ISO 20022 bank-to-customer statement), parsed with defusedxml: no DTD, no entity
expansion, no external references, so an "XML bomb" or an external entity is refused, not run.

Booked entries (Sts BOOK) become lines; pending or information-only ones are counted as skipped,
since the bank may still change or drop them."""
from datetime import date
from xml.etree.ElementTree import ParseError

import defusedxml
from defusedxml.ElementTree import fromstring

from light.statements.formats.common import (
    MAX_BYTES,
    MAX_REFERENCE,
    ParsedLine,
    ParsedStatement,
    StatementError,
    check_size,
    clean_text,
    plain_decimal,
    to_minor,
    wrong_currency,
)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _find(element, *path):
    """The first descendant along `path` of local names, whatever the namespace version."""
    current = element
    for name in path:
        current = next((child for child in current if _local(child.tag) == name), None)
        if current is None:
            return None
    return current


def _all(element, name):
    return [child for child in element if _local(child.tag) == name]


def _text(element, *path) -> str:
    found = _find(element, *path) if element is not None else None
    return (found.text or "").strip() if found is not None else ""


def parse(data: bytes, *, currency: str, max_bytes: int = MAX_BYTES) -> ParsedStatement:
    check_size(data, max_bytes)
    try:
        root = fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except defusedxml.DTDForbidden:
        raise StatementError("the file declares a DOCTYPE; CAMT.053 statements don't, and Light never expands "
                             "XML entities.", "DOCTYPE") from None
    except (defusedxml.EntitiesForbidden, defusedxml.ExternalReferenceForbidden) as exc:
        raise StatementError("the file declares XML entities, which Light never expands.",
                             f"Line {getattr(exc, 'line', None) or '?'}") from None
    except ParseError as exc:
        line, column = exc.position
        raise StatementError(f"the XML is not well-formed ({str(exc).split(':')[0]}), column {column}.",
                             f"Line {line}") from None
    if _local(root.tag) != "Document" or "camt.053" not in root.tag:
        raise StatementError("the root element is not a camt.053 Document.", _local(root.tag))
    report = _find(root, "BkToCstmrStmt")
    statements = _all(report, "Stmt") if report is not None else []
    if not statements:
        raise StatementError("the file holds no statement (BkToCstmrStmt/Stmt).", "Document")
    currencies = {_text(s, "Acct", "Ccy").upper() for s in statements} - {""}
    if len(currencies) > 1:
        raise StatementError(f"the file holds statements in {' and '.join(sorted(currencies))}; import one "
                             f"currency at a time.", "Stmt/Acct/Ccy")
    found_currency = currencies.pop() if currencies else None
    if found_currency and found_currency != currency.upper():
        raise StatementError(wrong_currency(found_currency, currency), "Stmt/Acct/Ccy")
    lines, skipped, number = [], 0, 0
    account_number = next((n for n in (_text(s, "Acct", "Id", "IBAN") or _text(s, "Acct", "Id", "Othr", "Id")
                                       for s in statements) if n), None)
    for statement in statements:
        for entry in _all(statement, "Ntry"):
            number += 1
            where = f"Ntry {number}"
            status = _text(entry, "Sts", "Cd") or _text(entry, "Sts")
            if status and status.upper() != "BOOK":
                skipped += 1
                continue
            lines.append(_line(entry, where, currency))
    return ParsedStatement(format="camt053", currency=found_currency, lines=lines, skipped=skipped,
                           account_number=account_number)


def _line(entry, where: str, currency: str) -> ParsedLine:
    amount_element = _find(entry, "Amt")
    if amount_element is None:
        raise StatementError("Amt, the amount, is missing.", where)
    entry_currency = (amount_element.get("Ccy") or "").upper()
    if entry_currency and entry_currency != currency.upper():
        raise StatementError(f"Amt is in {entry_currency}; the bank account is in {currency.upper()}.",
                             f"{where} (Amt)")
    minor = to_minor(plain_decimal(amount_element.text, f"{where} (Amt)"), currency, f"{where} (Amt)")
    if minor < 0:
        raise StatementError("Amt is negative; CAMT gives the direction in CdtDbtInd.", f"{where} (Amt)")
    direction = _text(entry, "CdtDbtInd").upper()
    if direction not in ("CRDT", "DBIT"):
        raise StatementError(f"CdtDbtInd {direction!r} is neither CRDT nor DBIT.", f"{where} (CdtDbtInd)")
    booked = _text(entry, "BookgDt", "Dt") or _text(entry, "BookgDt", "DtTm")[:10] or _text(entry, "ValDt", "Dt")
    try:
        when = date.fromisoformat(booked[:10])
    except ValueError:
        raise StatementError(f"the booking date {booked!r} is not a date like 2026-12-31.",
                             f"{where} (BookgDt)") from None
    details = _find(entry, "NtryDtls", "TxDtls")
    remittance_info = _find(details, "RmtInf") if details is not None else None
    remittance = " ".join(_text(u) for u in _all(remittance_info, "Ustrd")) if remittance_info is not None else ""
    party = ""
    if details is not None:
        party = (_text(details, "RltdPties", "Dbtr", "Nm") or _text(details, "RltdPties", "Dbtr", "Pty", "Nm")
                 or _text(details, "RltdPties", "Cdtr", "Nm") or _text(details, "RltdPties", "Cdtr", "Pty", "Nm"))
    extra = _text(entry, "AddtlNtryInf")
    description = clean_text(" · ".join(p for p in (party, remittance, extra) if p)) or direction
    reference = ""
    if details is not None:
        reference = _text(details, "Refs", "EndToEndId")
        reference = "" if reference.upper() == "NOTPROVIDED" else reference
    reference = clean_text(reference or _text(entry, "NtryRef"), MAX_REFERENCE)
    bank_id = clean_text(_text(entry, "AcctSvcrRef"), MAX_REFERENCE) or None
    return ParsedLine(date=when, amount=minor if direction == "CRDT" else -minor, description=description,
                      reference=reference, bank_id=bank_id)
