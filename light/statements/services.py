"""Bank statements: add a bank account, import a statement (CSV after its mapping, OFX and CAMT.053
at once), and match deposits to Stripe payouts. Plain values in, commit, InvalidInput or Refused out."""
from datetime import timedelta

from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from light.auth.models import User
from light.banking.models import BankPayout
from light.errors import InvalidInput, Refused
from light.extensions import db
from light.money import is_currency
from light.reconciliation.models import LIGHT, ReconciliationLogEntry
from light.statements import deposits, formats
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
CLOSED_PAYOUTS = ("failed", "canceled")
FORMAT_NAMES = {"csv": "CSV", "ofx": "OFX", "camt053": "CAMT.053"}
DEPOSIT_LOCK = 10010  # advisory lock namespace: matching an organization's deposits, one run at a time


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
        match_deposits(account)
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


# -- deposits and payouts -------------------------------------------------------------------------
def _trace_id(payout: BankPayout) -> str | None:
    # The bank feed may not record a payout's trace id (yet); use it where the column exists.
    return getattr(payout, "trace_id", None) or None


def match_organization(organization_id: int) -> dict:
    """Match the deposits of every bank account of the organization: after each Stripe sync (a
    payout may have arrived for a deposit imported earlier), and from `flask rematch`. Safe to run
    twice: what is linked stays, a suggestion is not made twice."""
    totals = {"linked": 0, "suggested": 0}
    for account in accounts(organization_id):
        for outcome, count in match_deposits(account).items():
            totals[outcome] += count
    return totals


def _one_at_a_time(organization_id: int) -> None:
    """Two runs for one organization (a sync's and an import's) take turns until the commit, so the
    second sees the first's links instead of tripping over them. SQLite has one writer anyway."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SELECT pg_advisory_xact_lock(:space, :org)"),
                           {"space": DEPOSIT_LOCK, "org": organization_id})


def match_deposits(account: StatementAccount) -> dict:
    """Link each deposit of the account that carries exactly one Stripe payout, and suggest the
    rest that fit. Never touches a link, nor links a pair a person unmatched, nor suggests again a
    pair a person declined. Each new link and suggestion goes into the reconciliation log. Commits."""
    _one_at_a_time(account.organization_id)
    linked_lines = db.session.query(PayoutDeposit.statement_line_id).filter(
        PayoutDeposit.organization_id == account.organization_id)
    L = StatementLine
    rows = (db.session.query(L.id, L.date, L.amount, L.currency, L.description, L.reference)
            .filter(L.account_id == account.id, L.amount > 0, L.id.not_in(linked_lines)).all())
    found = [deposits.Deposit(r.id, r.date, r.amount, r.currency, f"{r.description} {r.reference}") for r in rows]
    payouts = _open_payouts(account, {d.amount for d in found})
    held = {(s.statement_line_id, s.payout_id): "declined" if s.declined_by_id else "unmatched"
            for s in DepositSuggestion.query.filter(
                DepositSuggestion.organization_id == account.organization_id,
                DepositSuggestion.unmatched_by_id.isnot(None) | DepositSuggestion.declined_by_id.isnot(None))}
    decisions = deposits.decide(found, payouts)
    amounts = {d.id: d.amount for d in found}
    counts = {"linked": 0, "suggested": 0}
    try:
        _apply(account, decisions, held, amounts, counts)
        db.session.commit()
    except IntegrityError:  # a person (or another import) linked one of these a moment ago: theirs stands
        db.session.rollback()
        counts = {"linked": 0, "suggested": 0}
    return counts


def _apply(account: StatementAccount, decisions: list, held: dict, amounts: dict, counts: dict) -> None:
    now, org = utcnow(), account.organization_id
    for decision in decisions:
        line_id = decision.deposit_id
        if decision.outcome == "link" and (line_id, decision.payout_ids[0]) not in held:
            payout_id = decision.payout_ids[0]
            db.session.add(PayoutDeposit(organization_id=org, statement_line_id=line_id, payout_id=payout_id,
                                         reason=decision.reason[:500], linked_at=now))
            _drop_suggestions(line_id, payout_id)
            log(org, line_id, payout_id, "linked", amounts[line_id], None, decision.reason)
            counts["linked"] += 1
        elif decision.payout_ids:
            added = _suggest(org, decision, held)
            for payout_id in added:
                log(org, line_id, payout_id, "suggested", amounts[line_id], None, decision.reason)
            if any(held.get((line_id, p)) != "declined" for p in decision.payout_ids):
                counts["suggested"] += 1


def log(organization_id: int, line_id: int, payout_id: int | None, action: str, amount: int, user_id: int | None,
        why: str) -> None:
    """A deposit's entry in the reconciliation log, beside the Stripe lines' (who: the person, or Light)."""
    who = db.session.get(User, user_id).name if user_id else LIGHT
    db.session.add(ReconciliationLogEntry(organization_id=organization_id, statement_line_id=line_id,
                                          payout_id=payout_id, action=action, amount=amount, user_id=user_id,
                                          who=who, why=why[:2000]))


def _open_payouts(account: StatementAccount, amounts: set[int]) -> list[deposits.Payout]:
    """Payouts in the account's currency, of one of `amounts`, not closed and not linked yet."""
    if not amounts:
        return []
    linked = db.session.query(PayoutDeposit.payout_id).filter(PayoutDeposit.organization_id == account.organization_id)
    found, amounts = [], sorted(amounts)
    for start in range(0, len(amounts), CHUNK):
        query = BankPayout.query.filter(BankPayout.organization_id == account.organization_id,
                                        BankPayout.currency == account.currency.upper(),
                                        BankPayout.amount.in_(amounts[start:start + CHUNK]),
                                        BankPayout.arrival_date.isnot(None), BankPayout.id.not_in(linked))
        found += [deposits.Payout(p.id, p.stripe_id, p.amount, p.currency, p.arrival_date.date(), _trace_id(p))
                  for p in query if p.status not in CLOSED_PAYOUTS]
    return found


def _suggest(organization_id: int, decision: deposits.Decision, held: dict) -> list[int]:
    """The decision's payouts as the deposit's suggestions (a declined pair stays declined): the ones added."""
    current = {s.payout_id: s for s in DepositSuggestion.query.filter_by(statement_line_id=decision.deposit_id)}
    for payout_id, suggestion in current.items():
        if payout_id not in decision.payout_ids and (decision.deposit_id, payout_id) not in held:
            db.session.delete(suggestion)
    added = [payout_id for payout_id in decision.payout_ids if payout_id not in current]
    for payout_id in added:
        db.session.add(DepositSuggestion(organization_id=organization_id, statement_line_id=decision.deposit_id,
                                         payout_id=payout_id, reason=decision.reason[:500]))
    return added


def _drop_suggestions(line_id: int, payout_id: int) -> None:
    # A declined pair is kept: once the deposit is unmatched again, Light still won't suggest it.
    DepositSuggestion.query.filter((DepositSuggestion.statement_line_id == line_id)
                                   | (DepositSuggestion.payout_id == payout_id),
                                   DepositSuggestion.declined_by_id.is_(None)).delete(synchronize_session=False)


def _open_suggestion(line: StatementLine, payout_id: int) -> DepositSuggestion:
    suggestion = DepositSuggestion.query.filter_by(organization_id=line.organization_id, statement_line_id=line.id,
                                                   payout_id=payout_id, declined_by_id=None).one_or_none()
    if suggestion is None:
        raise Refused("That suggestion is no longer open: the page was out of date.")
    return suggestion


def accept(line: StatementLine, payout_id: int, user_id: int) -> PayoutDeposit:
    """A person accepts a suggested payout for a deposit."""
    suggestion = _open_suggestion(line, payout_id)
    if PayoutDeposit.query.filter((PayoutDeposit.statement_line_id == line.id)
                                  | (PayoutDeposit.payout_id == payout_id)).first():
        raise Refused("This deposit or that payout was matched a moment ago.")
    link = PayoutDeposit(organization_id=line.organization_id, statement_line_id=line.id, payout_id=payout_id,
                         linked_by_id=user_id, reason=suggestion.reason)
    try:  # the unique link columns decide between two people accepting at once
        db.session.add(link)
        db.session.flush()
        _drop_suggestions(line.id, payout_id)
        log(line.organization_id, line.id, payout_id, "accepted", line.amount, user_id,
            f"Accepted the suggestion: {suggestion.reason}")
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise Refused("This deposit or that payout was matched a moment ago.") from None
    return link


def decline(line: StatementLine, payout_id: int, user_id: int) -> None:
    """A person declines a suggested payout for a deposit: it goes away, and Light never suggests
    (nor links) that pair again. The deposit's other suggestions stay."""
    suggestion = _open_suggestion(line, payout_id)
    claimed = DepositSuggestion.query.filter_by(id=suggestion.id, declined_by_id=None).update(
        {"declined_by_id": user_id}, synchronize_session=False)
    if not claimed:  # someone declined it a moment ago: once is enough
        db.session.rollback()
        raise Refused("That suggestion is no longer open: the page was out of date.")
    payout = db.session.get(BankPayout, payout_id)
    log(line.organization_id, line.id, payout_id, "declined", line.amount, user_id,
        f"Declined payout {payout.stripe_id}: the suggestion was {suggestion.reason}")
    db.session.commit()


def unmatch(line: StatementLine, user_id: int) -> None:
    """Undo a deposit's link; the pair stays as a suggestion, which Light won't link by itself again."""
    link = PayoutDeposit.query.filter_by(organization_id=line.organization_id, statement_line_id=line.id).one_or_none()
    if link is None:
        raise Refused("This deposit is not matched to a payout.")
    payout_id, reason = link.payout_id, link.reason
    db.session.delete(link)
    db.session.flush()
    suggestion = DepositSuggestion.query.filter_by(statement_line_id=line.id, payout_id=payout_id).one_or_none()
    if suggestion is None:
        suggestion = DepositSuggestion(organization_id=line.organization_id, statement_line_id=line.id,
                                       payout_id=payout_id, reason=reason)
        db.session.add(suggestion)
    suggestion.unmatched_by_id = user_id
    payout = db.session.get(BankPayout, payout_id)
    log(line.organization_id, line.id, payout_id, "unmatched", line.amount, user_id,
        f"Unmatched from payout {payout.stripe_id}; it stays a suggestion Light won't link by itself again")
    db.session.commit()


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
