"""Imports every model so Flask-Migrate and create_all() see all tables. Areas add theirs here."""
from light.auth.models import Invitation, LoginFailure, Organization, User  # noqa: F401
from light.jobs.models import ClockRun, Job  # noqa: F401
from light.mail.models import OutboxMessage  # noqa: F401
