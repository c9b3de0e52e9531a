"""Bank statements: add a bank account, import a statement (CSV after its mapping, OFX and CAMT.053
at once), then match its deposits to Stripe payouts (light/statements/matching.py); and what the pages
show. Plain values in, commit, InvalidInput or Refused out."""
from datetime import timedelta

from sqlalchemy.exc import IntegrityError

from light.banking.models import BankPayout
from light.errors import InvalidInput, Refused
from light.extensions import db
from light.money import is_currency
from light.reconciliation.models import ReconciliationLogEntry
from light.statements import formats, matching
from light.statements.formats.common import keyed
from light.statements.formats.csv_file import CsvMapping
from light.statements.models import (
    DepositSuggestion,
    PayoutDeposit,
    StatementAccount,
    StatementImport,
    StatementLine,
    StatementUpload,
)
from light.utc import utcnow

CHUNK = 500  # ids and keys per IN (...): well under every database's parameter limit
UPLOAD_KEPT = timedelta(days=1)
FORMAT_NAMES = {"csv": "CSV", "ofx": "OFX", "camt053": "CAMT.053"}


def accounts(organization_id: int) -> list[StatementAccount]:
    return (StatementAccount.query.filter_by(organization_id=organization_id)
            .order_by(StatementAccount.name, StatementAccount.id).all())


def accounts_with_last_import(user) -> list[tuple[StatementAccount, object]]:
    """Each bank account of the user's organization with when a statement was last imported into it."""
    last = (db.session.query(StatementImport.account_id, db.func.max(StatementImport.imported_at).label("at"))
            .filter(StatementImport.organization_id == user.organization_id)
            .group_by(StatementImport.account_id).subquery())
    return (db.session.query(StatementAccount, last.c.at).outerjoin(last, last.c.account_id == StatementAccount.id)
            .filter(StatementAccount.organization_id == user.organization_id)
            .order_by(StatementAccount.name, StatementAccount.id).all())


def _account_choice(organization_id: int, form, errors: dict) -> StatementAccount | None:
    """The chosen bank account, or a new (unsaved) one from the form's name and currency."""
    choice = (form.get("account_id") or "").strip()
    if choice and choice != "new":
        found = None
        if choice.isdigit() and len(choice) < 10:
            found = StatementAccount.query.filter_by(organization_id=organization_id, id=int(choice)).one_or_none()
        if found is None:
            errors["account_id"] = "Choose one of your bank accounts, or add a new one."
        return found
    name = " ".join((form.get("name") or "").split())
    currency = (form.get("currency") or "").strip().upper()
    if not name:
        errors["name"] = "Name the bank account, like Business checking."
    elif len(name) > 120:
        errors["name"] = "At most 120 characters."
    if not is_currency(currency):
        errors["currency"] = "Choose the account's currency."
    if "name" in errors or "currency" in errors:
        return None
    return StatementAccount(organization_id=organization_id, name=name, currency=currency)


def upload(organization_id: int, user_id: int, form, file_name: str, data: bytes | None, *,
           max_bytes: int = formats.MAX_BYTES):
    """The first step. An OFX or CAMT.053 file is imported at once (a StatementImport comes back);
    a CSV is kept for its column mapping (a StatementUpload comes back). A bad file writes nothing."""
    errors: dict = {}
    account = _account_choice(organization_id, form, errors)
    kind = None
    if not data:
        errors["statement"] = "Choose the statement file the bank gave you (CSV, OFX, QFX or CAMT.053)."
    else:
        try:
            kind = formats.detect_format(data, max_bytes=max_bytes)
            if kind != "csv" and account is not None:
                parsed = formats.parse(data, currency=account.currency, max_bytes=max_bytes)
        except formats.StatementError as exc:
            errors["statement"] = exc.message
    if errors:
        raise InvalidInput(errors)
    name = _file_name(file_name)
    if account.id is None:
        db.session.add(account)
        db.session.flush()
    if kind == "csv":
        StatementUpload.query.filter(StatementUpload.organization_id == organization_id,
                                     StatementUpload.created_at < utcnow() - UPLOAD_KEPT).delete()
        staged = StatementUpload(organization_id=organization_id, account_id=account.id, user_id=user_id,
                                 file_name=name, content=data)
        db.session.add(staged)
        db.session.commit()
        return staged
    return store(account, parsed, name, user_id)


def _file_name(name: str | None) -> str:
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    return "".join(ch for ch in base if ch.isprintable())[:255] or "statement"


def mapping_from(form, account: StatementAccount) -> CsvMapping:
    """The mapping the form chose; before any choice, the account's saved one (or the defaults)."""
    if not form or "date_column" not in form:
        return CsvMapping.from_dict(account.csv_mapping or {}) if account.csv_mapping else CsvMapping(
            date_column="", description_column="")
    return CsvMapping.from_dict({name: (form.get(name) or "") for name in CsvMapping.__dataclass_fields__})


def preview(staged: StatementUpload, mapping: CsvMapping, *, rows: int = 5):
    """The file's header and first rows as the mapping reads them, and per field what is wrong."""
    errors: dict = {}
    for field in ("delimiter", "encoding"):
        if field in mapping.problems():
            errors[field] = mapping.problems()[field]
    if errors:
        return [], [], errors
    try:
        header, body = formats.csv_file.read_rows(staged.content, delimiter=mapping.delimiter,
                                                  encoding=mapping.encoding, max_bytes=len(staged.content) + 1)
    except formats.StatementError as exc:
        return [], [], {"statement": exc.message}
    return header, [row for _, row in body[:rows]], errors


def import_csv(staged: StatementUpload, mapping: CsvMapping, user_id: int) -> StatementImport:
    """The CSV read through `mapping`, stored, and the mapping saved for the account's next file."""
    account = staged.account
    header, _, errors = preview(staged, mapping)
    if errors:
        raise InvalidInput(errors)
    errors = mapping.problems(header)
    if errors:
        raise InvalidInput(errors)
    try:
        parsed = formats.csv_file.parse(staged.content, mapping, currency=account.currency,
                                        max_bytes=len(staged.content) + 1)
    except formats.StatementError as exc:
        raise InvalidInput({"statement": exc.message}) from None
    account.csv_mapping = mapping.as_dict()
    file_name = staged.file_name
    db.session.delete(staged)
    return store(account, parsed, file_name, user_id)


def store(account: StatementAccount, parsed: formats.ParsedStatement, file_name: str, user_id: int | None,
          *, match: bool = True) -> StatementImport:
    """Add the lines the account doesn't have yet (by bank id or stable hash), then match deposits.
    Commits. Two imports of one file at once: the unique key keeps one copy; the loser retries."""
    for attempt in (1, 2):
        try:
            result = _store(account, parsed, file_name, user_id)
            db.session.commit()
            break
        except IntegrityError:
            db.session.rollback()
            if attempt == 2:
                raise Refused("Another import of this bank account was running; import the file again.") from None
    if match:  # even when nothing was added: a payout may have synced since the last import
        matching.match_deposits(account)
    return result


def _store(account, parsed, file_name, user_id) -> StatementImport:
    lines = keyed(parsed.lines)
    existing: set[str] = set()
    keys = [key for key, _ in lines]
    for start in range(0, len(keys), CHUNK):
        existing.update(k for (k,) in db.session.query(StatementLine.line_key).filter(
            StatementLine.account_id == account.id, StatementLine.line_key.in_(keys[start:start + CHUNK])))
    record = StatementImport(organization_id=account.organization_id, account_id=account.id, file_name=file_name,
                             format=parsed.format, line_count=len(lines), skipped_count=parsed.skipped,
                             imported_by_id=user_id)
    if lines:
        record.first_date = min(line.date for _, line in lines)
        record.last_date = max(line.date for _, line in lines)
    db.session.add(record)
    db.session.flush()
    new_rows, seen = [], set()
    for key, line in lines:
        if key in existing or key in seen:  # an id the bank repeated within the file counts as already there
            continue
        seen.add(key)
        new_rows.append(dict(organization_id=account.organization_id, account_id=account.id, import_id=record.id,
                             line_key=key, date=line.date, amount=line.amount, currency=account.currency,
                             description=line.description, reference=line.reference, bank_id=line.bank_id))
    table = StatementLine.__table__  # Core's executemany: a 100,000-line statement stores in seconds, not minutes
    for start in range(0, len(new_rows), 5000):
        db.session.execute(table.insert(), new_rows[start:start + 5000])
    record.added_count = len(new_rows)
    record.duplicate_count = len(lines) - len(new_rows)
    return record


# -- what the pages show --------------------------------------------------------------------------
def lines_page(account: StatementAccount, *, limit: int = 200) -> list[StatementLine]:
    return (StatementLine.query.filter_by(account_id=account.id)
            .order_by(StatementLine.date.desc(), StatementLine.id.desc()).limit(limit).all())


def imports(account: StatementAccount, *, limit: int = 20) -> list[StatementImport]:
    return (StatementImport.query.filter_by(account_id=account.id)
            .order_by(StatementImport.imported_at.desc(), StatementImport.id.desc()).limit(limit).all())


def import_matches(record: StatementImport) -> dict:
    """How many of the import's deposits reached a payout, and how many await a person."""
    lines = db.session.query(StatementLine.id).filter(StatementLine.import_id == record.id)
    linked = PayoutDeposit.query.filter(PayoutDeposit.organization_id == record.organization_id,
                                        PayoutDeposit.statement_line_id.in_(lines)).count()
    suggested = (db.session.query(DepositSuggestion.statement_line_id).distinct()
                 .filter(DepositSuggestion.organization_id == record.organization_id,
                         DepositSuggestion.declined_by_id.is_(None),
                         DepositSuggestion.statement_line_id.in_(lines)).count())
    return {"linked": linked, "suggested": suggested}


def deposit_states(organization_id: int, lines: list[StatementLine]) -> tuple[dict, dict]:
    """For the lines shown: line id -> (link, payout), and line id -> [(suggestion, payout)], in two queries."""
    ids = [line.id for line in lines]
    if not ids:
        return {}, {}
    links = {link.statement_line_id: (link, payout) for link, payout in db.session.query(PayoutDeposit, BankPayout)
             .join(BankPayout, BankPayout.id == PayoutDeposit.payout_id)
             .filter(PayoutDeposit.organization_id == organization_id, PayoutDeposit.statement_line_id.in_(ids))}
    suggested: dict = {}
    for suggestion, payout in (db.session.query(DepositSuggestion, BankPayout)
                               .join(BankPayout, BankPayout.id == DepositSuggestion.payout_id)
                               .filter(DepositSuggestion.organization_id == organization_id,
                                       DepositSuggestion.declined_by_id.is_(None),
                                       DepositSuggestion.statement_line_id.in_(ids))
                               .order_by(BankPayout.arrival_date, BankPayout.id)):
        suggested.setdefault(suggestion.statement_line_id, []).append((suggestion, payout))
    return links, suggested


def deposit_for_payout(payout: BankPayout):
    """(link, statement line, bank account) when the payout reached a bank statement, else None."""
    return (db.session.query(PayoutDeposit, StatementLine, StatementAccount)
            .join(StatementLine, StatementLine.id == PayoutDeposit.statement_line_id)
            .join(StatementAccount, StatementAccount.id == StatementLine.account_id)
            .filter(PayoutDeposit.organization_id == payout.organization_id, PayoutDeposit.payout_id == payout.id)
            .one_or_none())


def log_page(account: StatementAccount, *, limit: int = 50) -> list[tuple]:
    """The account's newest reconciliation log entries: (entry, statement line, payout or None)."""
    E = ReconciliationLogEntry
    return (db.session.query(E, StatementLine, BankPayout)
            .join(StatementLine, StatementLine.id == E.statement_line_id)
            .outerjoin(BankPayout, BankPayout.id == E.payout_id)
            .filter(E.organization_id == account.organization_id, StatementLine.account_id == account.id)
            .order_by(E.created_at.desc(), E.id.desc()).limit(limit).all())
