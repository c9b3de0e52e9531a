"""Bank reconciliation: which invoice, fee or payout each bank line settles.

The engine is pure (no Flask, no database) and tested with plain data: `values` holds the inputs and
the decision, `candidates` indexes the open invoices, `structural`, `references` and `amounts` are the
tiers T0-T7, `engine` tries them in order, and `allocation` applies and reverses links.
"""
