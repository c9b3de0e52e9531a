"""Every model, so Flask-Migrate and create_all() see all tables. Each area keeps its tables in
light/<area>/models.py; add a new area's here."""
from light.auth.models import Invitation, LoginFailure, Organization, RecoveryCode, User  # noqa: F401
from light.banking.models import BankAccount, BankPayout, BankTransaction, StripeConnection  # noqa: F401
from light.contracts.models import Contract  # noqa: F401
from light.customers.models import Customer  # noqa: F401
from light.integrations.models import Integration  # noqa: F401
from light.invoices.models import Invoice  # noqa: F401
from light.notifications.models import NotificationPreference, OwnerNotification  # noqa: F401
from light.plumbing.jobs.models import ClockRun, Job  # noqa: F401
from light.plumbing.mail.models import OutboxMessage  # noqa: F401
from light.plumbing.webhooks.models import StripeEvent  # noqa: F401
from light.reconciliation.models import LineDecision, ReconciliationLink, ReconciliationLogEntry  # noqa: F401
from light.salesforce.models import SalesforceConnection, SalesforceDeal, SalesforceNotification  # noqa: F401
from light.statements import models as _statements  # noqa: F401 - statement accounts, lines, deposits
from light.workflows.models import WorkflowVersion  # noqa: F401
