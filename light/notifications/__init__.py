"""E-mails to an organization's owners when something needs them: an invoice paid, a customer's
bank asking them to confirm a charge, a declined card, a dispute, a bank feed that stopped
syncing. Each owner switches each kind on or off for themselves (Settings > Notifications).

Other areas call `light.notifications.events` with one line where they record the event; the
e-mails go out from a background job, after the caller's commit, once per owner per event."""

# kind -> (label, what it tells), in the order Settings > Notifications lists them.
KINDS = {
    "paid": ("Invoice paid", "An invoice is paid in full: by card, by bank transfer or recorded by hand."),
    "action_required": ("Action required", "A customer's bank asked them to confirm an automatic charge; "
                                           "Light e-mailed them the pay link."),
    "payment_failed": ("Payment failed", "A saved card was declined. Light doesn't retry it."),
    "disputed": ("Disputed", "A customer disputed a payment with their bank; it must be answered in Stripe."),
    "sync_failed": ("Bank sync failed", "Bank Reconciliation stopped syncing a Stripe Account. Sent when it "
                                        "starts failing, not again until a sync has worked."),
}
