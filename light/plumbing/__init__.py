"""Plumbing no user sees: background jobs, e-mail, Stripe's webhooks, the Stripe gateway and
secrets at rest. Product areas (banking, invoices, …) call into it; it never calls them, except
through the two registries in light/schedule.py and light/webhook_table.py."""
