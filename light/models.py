"""Imports every model so Flask-Migrate and create_all() see all tables."""
import importlib
import importlib.util

from light.auth.models import Invitation, LoginFailure, Organization, User  # noqa: F401
from light.jobs.models import ClockRun, Job  # noqa: F401
from light.mail.models import OutboxMessage  # noqa: F401

# Each area keeps its tables in light/<area>/models.py.
AREAS = ("webhooks", "banking", "integrations", "workflows", "customers", "invoices", "contracts", "salesforce")
for _area in AREAS:
    if importlib.util.find_spec(f"light.{_area}") and importlib.util.find_spec(f"light.{_area}.models"):
        importlib.import_module(f"light.{_area}.models")
