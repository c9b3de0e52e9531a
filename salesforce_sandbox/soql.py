"""The SOQL subset Light emits, parsed and evaluated over the sandbox's records.

SELECT a, b.c, (SELECT … FROM ChildRelationship) FROM Object
  [WHERE x = 1 AND y > 2026-01-01T00:00:00Z AND z IN ('a', 'b')] [ORDER BY a [ASC|DESC], …] [LIMIT n]

Literals follow Salesforce: strings in single quotes with backslash escapes, datetimes and dates
unquoted, true / false / null. Anything else is a MALFORMED_QUERY, as Salesforce answers.
"""
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal

TOKEN = re.compile(r"""\s*(?:
    (?P<string>'(?:\\.|[^'\\])*')
  | (?P<datetime>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2}))
  | (?P<date>\d{4}-\d{2}-\d{2})
  | (?P<number>-?\d+(?:\.\d+)?)
  | (?P<name>[A-Za-z_][A-Za-z0-9_.]*)
  | (?P<op>!=|<=|>=|=|<|>)
  | (?P<punct>[(),])
)""", re.VERBOSE)
ESCAPES = {"n": "\n", "r": "\r", "t": "\t", "b": "\b", "f": "\f", '"': '"', "'": "'", "\\": "\\"}


class SoqlError(Exception):
    """MALFORMED_QUERY (or INVALID_FIELD, with `code`)."""

    def __init__(self, message, code="MALFORMED_QUERY"):
        super().__init__(message)
        self.code = code


@dataclass
class Query:
    fields: list = field(default_factory=list)  # str paths, or Query for a subquery
    source: str = ""
    where: list = field(default_factory=list)  # (path, op, value)
    order: list = field(default_factory=list)  # (path, descending)
    limit: int | None = None


def tokenize(text):
    tokens, pos = [], 0
    text = text.strip()
    while pos < len(text):
        match = TOKEN.match(text, pos)
        if not match or match.end() == pos:
            raise SoqlError(f"unexpected token at: {text[pos:pos + 20]!r}")
        kind = match.lastgroup
        tokens.append((kind, match.group(kind)))
        pos = match.end()
    return tokens


class _Parser:
    def __init__(self, tokens):
        self.tokens, self.i = tokens, 0

    def peek(self, word=None):
        if self.i >= len(self.tokens):
            return None
        kind, value = self.tokens[self.i]
        if word is None:
            return value
        return value if kind == "name" and value.upper() == word else None

    def take(self, word=None):
        if word is not None and not self.peek(word):
            raise SoqlError(f"expecting {word}, found {self.peek()!r}")
        if self.i >= len(self.tokens):
            raise SoqlError("unexpected end of query")
        token = self.tokens[self.i]
        self.i += 1
        return token

    def query(self):
        q = Query()
        self.take("SELECT")
        while True:
            if self.peek() == "(":
                self.take()
                q.fields.append(self.query())
                self.expect(")")
            else:
                q.fields.append(self.name())
            if self.peek() != ",":
                break
            self.take()
        self.take("FROM")
        q.source = self.name()
        if self.peek("WHERE"):
            self.take()
            q.where.append(self.condition())
            while self.peek("AND"):
                self.take()
                q.where.append(self.condition())
        if self.peek("ORDER"):
            self.take()
            self.take("BY")
            while True:
                path, descending = self.name(), False
                if self.peek("ASC") or self.peek("DESC"):
                    descending = self.take()[1].upper() == "DESC"
                q.order.append((path, descending))
                if self.peek() != ",":
                    break
                self.take()
        if self.peek("LIMIT"):
            self.take()
            kind, value = self.take()
            if kind != "number" or not value.isdigit():
                raise SoqlError("LIMIT takes a whole number")
            q.limit = int(value)
        return q

    def expect(self, punct):
        kind, value = self.take()
        if value != punct:
            raise SoqlError(f"expecting {punct!r}, found {value!r}")

    def name(self):
        kind, value = self.take()
        if kind != "name":
            raise SoqlError(f"expecting a field name, found {value!r}")
        return value

    def condition(self):
        path = self.name()
        if self.peek("IN"):
            self.take()
            self.expect("(")
            values = [self.literal()]
            while self.peek() == ",":
                self.take()
                values.append(self.literal())
            self.expect(")")
            return path, "IN", values
        kind, op = self.take()
        if kind != "op":
            raise SoqlError(f"expecting an operator, found {op!r}")
        return path, op, self.literal()

    def literal(self):
        kind, value = self.take()
        if kind == "string":
            return re.sub(r"\\(.)", lambda m: ESCAPES.get(m.group(1), m.group(1)), value[1:-1])
        if kind == "datetime":
            return parse_datetime(value)
        if kind == "date":
            return date.fromisoformat(value)
        if kind == "number":
            return Decimal(value)
        if kind == "name" and value.lower() in ("true", "false", "null"):
            return {"true": True, "false": False, "null": None}[value.lower()]
        raise SoqlError(f"unexpected {value!r}: string literals need single quotes")


def parse(text) -> Query:
    parser = _Parser(tokenize(text))
    q = parser.query()
    if parser.i != len(parser.tokens):
        raise SoqlError(f"unexpected token: {parser.peek()!r}")
    return q


def parse_datetime(text) -> datetime:
    text = text.replace("Z", "+00:00")
    if re.search(r"[+-]\d{4}$", text):
        text = text[:-2] + ":" + text[-2:]
    return datetime.fromisoformat(text).astimezone(UTC)


def format_datetime(value: datetime) -> str:
    """Salesforce's own shape: 2026-12-03T09:15:00.000+0000."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}+0000"


def matches(record_value, op, literal) -> bool:
    if op == "IN":
        return record_value in literal
    if isinstance(literal, datetime) and isinstance(record_value, str):
        record_value = parse_datetime(record_value)
    if isinstance(record_value, (int, float)) and not isinstance(record_value, bool):
        record_value = Decimal(str(record_value))
    if op == "=":
        return record_value == literal
    if op == "!=":
        return record_value != literal
    if record_value is None or literal is None:
        return False
    return {"<": record_value < literal, ">": record_value > literal,
            "<=": record_value <= literal, ">=": record_value >= literal}[op]


def sort_key(value):
    """Nulls first, as Salesforce sorts ascending by default."""
    if isinstance(value, str) and re.match(r"\d{4}-\d{2}-\d{2}T", value):
        value = parse_datetime(value)
    return (value is not None, value if value is not None else 0)
