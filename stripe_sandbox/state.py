"""The sandbox's in-memory store: accounts, API keys, ids and ordered collections."""
import bisect
import os
import pickle
import random
import re
import secrets
import string
import threading
import time

_ALPHABET = string.digits + string.ascii_uppercase + string.ascii_lowercase
KEY_FORM = re.compile(r"^(sk|rk)_(test|live)_[A-Za-z0-9_]{8,}$")
CLIENT_ID_FORM = re.compile(r"^ca_[A-Za-z0-9_]{8,}$")
# The account default API version: stripe-python 16.1.0's (stripe/_api_version.py); see versions.py.
API_VERSION = "2026-10-28.endive"


def random_token(length):
    return "".join(secrets.choice(_ALPHABET) for _ in range(length))


def mask_key(key):
    return f"{key[:8]}{'*' * 4}{key[-4:]}" if len(key) > 12 else "****"


class Collection:
    """One kind of object of one account, kept ordered by (created, insertion sequence).

    Lists are newest first; keys are compared with bisect, so a page costs O(log N + limit)
    unless a filter has to skip objects.
    """

    __slots__ = ("keys", "items", "key_of")

    def __init__(self):
        self.keys = []
        self.items = []
        self.key_of = {}

    def __len__(self):
        return len(self.items)

    def add(self, obj, seq):
        key = (obj["created"], seq)
        if not self.keys or key > self.keys[-1]:
            self.keys.append(key)
            self.items.append(obj)
        else:
            position = bisect.bisect(self.keys, key)
            self.keys.insert(position, key)
            self.items.insert(position, obj)
        self.key_of[obj["id"]] = key

    def add_many(self, keyed_objects):
        """Merge pre-keyed objects (seeding) in one sort instead of N inserts."""
        merged = list(zip(self.keys, self.items, strict=True)) + keyed_objects
        merged.sort(key=lambda pair: pair[0])
        self.keys = [key for key, _ in merged]
        self.items = [obj for _, obj in merged]
        for key, obj in keyed_objects:
            self.key_of[obj["id"]] = key

    def position(self, id):
        key = self.key_of.get(id)
        return None if key is None else bisect.bisect_left(self.keys, key)

    def get(self, id):
        position = self.position(id)
        return None if position is None else self.items[position]

    def remove(self, id):
        position = self.position(id)
        if position is not None:
            del self.keys[position]
            del self.items[position]
            del self.key_of[id]

    def values(self):
        return list(self.items)

    def page(self, *, limit, starting_after=None, ending_before=None, created=None, match=None,  # noqa: C901
             cursor_error=None):  # one pass mirroring Stripe's list rules, each branch a documented case
        """Return (objects newest first, has_more) the way Stripe pages a list."""
        lo, hi = 0, len(self.keys)
        if created:
            if "gte" in created:
                lo = max(lo, bisect.bisect_left(self.keys, (created["gte"],)))
            if "gt" in created:
                lo = max(lo, bisect.bisect_left(self.keys, (created["gt"] + 1,)))
            if "lte" in created:
                hi = min(hi, bisect.bisect_left(self.keys, (created["lte"] + 1,)))
            if "lt" in created:
                hi = min(hi, bisect.bisect_left(self.keys, (created["lt"],)))
        found = []
        if ending_before and not starting_after:
            position = self.position(ending_before)
            if position is None:
                raise cursor_error(ending_before, "ending_before")
            index = max(lo, position + 1)
            while index < hi and len(found) <= limit:
                obj = self.items[index]
                if match is None or match(obj):
                    found.append(obj)
                index += 1
            has_more = len(found) > limit
            return list(reversed(found[:limit])), has_more
        if starting_after:
            position = self.position(starting_after)
            if position is None:
                raise cursor_error(starting_after, "starting_after")
            hi = min(hi, position)
        index = hi - 1
        while index >= lo and len(found) <= limit:
            obj = self.items[index]
            if match is None or match(obj):
                found.append(obj)
            index -= 1
        return found[:limit], len(found) > limit


class ApiKey:
    def __init__(self, secret, account_id, livemode, kind, platform_id=None):
        self.secret = secret
        self.account_id = account_id
        self.livemode = livemode
        self.kind = kind  # "secret", "restricted" or "oauth"
        self.platform_id = platform_id
        self.denied = set()  # resources it can neither read nor write
        self.read_only = set()  # resources it can read and not write
        # Or, as Stripe has it, only what it was granted: {resource: "read" | "write"}.
        self.grants = None
        self.revoked = False
        self.app = None  # a Stripe App's access token: the app's client id (apps.py)
        self.expires_at = None  # unix time it stops working (a Stripe App's access token), or None

    def __setstate__(self, state):
        state.setdefault("read_only", set())  # state files from before read/write permissions
        state.setdefault("grants", None)
        state.setdefault("app", None)
        state.setdefault("expires_at", None)
        self.__dict__.update(state)


class Account:
    KINDS = ("balance_transactions", "charges", "refunds", "payouts", "disputes", "customers",
             "payment_methods", "payment_intents", "checkout_sessions", "webhook_endpoints", "events")

    def __init__(self, id, livemode, created, *, name=None, email=None, country="US",
                 default_currency="usd", platform=True):
        self.id = id
        self.livemode = livemode
        self.created = created
        self.name = name
        self.email = email
        self.country = country
        self.default_currency = default_currency
        # Currencies it has a bank account in: charges in others are converted (fx.py).
        self.settlement_currencies = {default_currency}
        self.platform = platform
        self.platforms = set()  # platforms this (connected) account is authorized for
        self.app_installs = {}  # Stripe Apps installed on it: client id -> the app owner's account id
        self.collections = {kind: Collection() for kind in self.KINDS}
        self.balance = {}  # currency -> {"available": int, "pending": int}
        self.pending_heap = []  # (available_on, seq, txn id) not yet available
        self.unswept = {}  # currency -> [txn ids] available and not yet paid out
        self.payout_txns = {}  # payout id -> [txn ids] it paid out, oldest first
        self.idempotency = {}  # key -> (fingerprint, status, body, request id, saved at)

    def __setstate__(self, state):
        state.setdefault("settlement_currencies", {state.get("default_currency", "usd")})
        state.setdefault("app_installs", {})
        self.__dict__.update(state)

    def __getitem__(self, kind):
        return self.collections[kind]

    def as_stripe(self):
        from .accounts import account_object
        return account_object(self)


class Store:
    """Everything the sandbox knows. One re-entrant lock guards it all."""

    def __init__(self):
        self.lock = threading.RLock()
        self.dispatcher = None
        self.reset()

    def reset(self):
        with self.lock:
            self.salt = random_token(6)
            self.counter = 0
            self.seq = 0
            self.clock_offset = 0
            self.accounts = {}
            self.keys = {}
            self.codes = {}  # ac_ -> {"account", "scope", "created", "used", "livemode"}
            self.refresh_tokens = {}  # rt_ -> {"account", "platform", "scope", "livemode"}
            self.client_ids = {}  # platform account id -> its Connect application's ca_
            # Stripe Apps (apps.py): manifests by client id, install codes, rotating refresh tokens.
            self.apps = {}
            self.app_codes = {}
            self.app_refresh_tokens = {}
            self.app_settings = {"access_token_lifetime": 3600, "expires_in": False}
            self.global_ids = {}  # checkout session id -> account id (hosted pages have no key)
            self.faults = []
            self.delivery = {"duplicate": False, "out_of_order": False}
            self.random = random.Random(0)
            self.journal = None  # a list to record every API answer in (tests), or None
            self.dirty = True

    def __getstate__(self):
        state = dict(self.__dict__)
        state.pop("lock", None)
        state.pop("dispatcher", None)
        state["journal"] = None
        return state

    def __setstate__(self, state):
        state.setdefault("client_ids", {})  # state files from before client ids were bound
        state.setdefault("journal", None)
        for name in ("apps", "app_codes", "app_refresh_tokens"):  # state files from before Stripe Apps
            state.setdefault(name, {})
        state.setdefault("app_settings", {"access_token_lifetime": 3600, "expires_in": False})
        self.__dict__.update(state)
        self.lock = threading.RLock()
        self.dispatcher = None

    # -- clock and ids -------------------------------------------------------------------------
    def now(self):
        """Unix seconds; time.time() so freezegun can move it, plus /_sandbox/clock/advance."""
        return int(time.time()) + self.clock_offset

    def next_seq(self):
        self.seq += 1
        return self.seq

    def new_id(self, prefix):
        # Hex, not base62: seeding makes 200,000 ids and this is its hot spot.
        self.counter += 1
        return f"{prefix}_1Sbx{self.counter:010x}{self.salt}"

    # -- accounts and keys ---------------------------------------------------------------------
    def create_account(self, livemode, *, platform, name=None, email=None, country="US",
                       default_currency="usd"):
        account = Account(self.new_id("acct"), livemode, self.now(), name=name, email=email,
                          country=country, default_currency=default_currency, platform=platform)
        self.accounts[account.id] = account
        self.dirty = True
        return account

    def key_for(self, secret):
        """The ApiKey for a well-formed secret, creating its platform account on first use."""
        key = self.keys.get(secret)
        if key is None:
            livemode = "_live_" in secret[:8]
            account = self.create_account(livemode, platform=True, name="Sandbox platform",
                                          email=f"owner+{secret[-6:].lower()}@example.com")
            kind = "restricted" if secret.startswith("rk_") else "secret"
            key = self.keys[secret] = ApiKey(secret, account.id, livemode, kind)
        return key

    def issue_token(self, account, platform_id, livemode):
        secret = f"sk_{'live' if livemode else 'test'}_{random_token(24)}"
        self.keys[secret] = ApiKey(secret, account.id, livemode, "oauth", platform_id=platform_id)
        return secret

    def connected(self, platform_id, account_id):
        account = self.accounts.get(account_id)
        return account is not None and platform_id in account.platforms

    # -- persistence ---------------------------------------------------------------------------
    def save(self, path):
        with self.lock:
            data = pickle.dumps(self, protocol=pickle.HIGHEST_PROTOCOL)
            self.dirty = False
        temporary = f"{path}.tmp"
        with open(temporary, "wb") as handle:
            handle.write(data)
        os.replace(temporary, path)

    @staticmethod
    def load(path):
        with open(path, "rb") as handle:
            store = pickle.load(handle)
        store.dirty = False
        return store
