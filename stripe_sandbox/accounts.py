"""The Account object as Stripe shows it: every field of Stripe's example, a bank account per
settlement currency (where payouts go), and no `livemode` (a real Account has none: the key's
prefix says the mode)."""
import hashlib

NO_ADDRESS = {"city": None, "country": None, "line1": None, "line2": None, "postal_code": None,
              "state": None}
NO_REQUIREMENTS = {"alternatives": [], "current_deadline": None, "currently_due": [],
                   "disabled_reason": None, "errors": [], "eventually_due": [], "past_due": [],
                   "pending_verification": []}


def bank_account(account, currency):
    """The external account payouts in `currency` are sent to."""
    digest = hashlib.sha256(f"{account.id}:{currency}".encode()).hexdigest()
    return {
        "id": f"ba_{digest[:24]}", "object": "bank_account", "account": account.id,
        "account_holder_name": account.name, "account_holder_type": "company",
        "account_type": None, "available_payout_methods": ["standard"],
        "bank_name": "STRIPE TEST BANK", "country": account.country, "currency": currency,
        "default_for_currency": True, "fingerprint": digest[24:40], "future_requirements": None,
        "last4": str(int(digest[40:48], 16) % 10000).zfill(4), "metadata": {}, "requirements": None,
        "routing_number": "110000000", "status": "new",
    }


def account_object(account):
    banks = [bank_account(account, c) for c in sorted(account.settlement_currencies)]
    return {
        "id": account.id, "object": "account",
        "business_profile": {
            "annual_revenue": {"amount": None, "currency": None, "fiscal_year_end": None},
            "estimated_worker_count": None, "mcc": None,
            "minority_owned_business_designation": None, "name": account.name,
            "product_description": None, "support_address": dict(NO_ADDRESS),
            "support_email": account.email, "support_phone": None, "support_url": None, "url": None},
        "business_type": "company",
        "capabilities": {"card_payments": "active", "transfers": "active"},
        "charges_enabled": True, "controller": {"type": "account"}, "country": account.country,
        "created": account.created, "default_currency": account.default_currency,
        "details_submitted": True, "email": account.email,
        "external_accounts": {"object": "list", "data": banks, "has_more": False,
                              "url": f"/v1/accounts/{account.id}/external_accounts"},
        "future_requirements": dict(NO_REQUIREMENTS), "metadata": {}, "payouts_enabled": True,
        "requirements": dict(NO_REQUIREMENTS),
        "settings": {
            "bacs_debit_payments": {"display_name": None, "service_user_number": None},
            "branding": {"icon": None, "logo": None, "primary_color": None, "secondary_color": None},
            "card_issuing": {"tos_acceptance": {"date": None, "ip": None}},
            "card_payments": {"decline_on": {"avs_failure": False, "cvc_failure": True},
                              "statement_descriptor_prefix": None,
                              "statement_descriptor_prefix_kana": None,
                              "statement_descriptor_prefix_kanji": None},
            "dashboard": {"display_name": account.name, "timezone": "Etc/UTC"},
            "invoices": {"default_account_tax_ids": None, "hosted_payment_method_save": None},
            "payments": {"statement_descriptor": None, "statement_descriptor_kana": None,
                         "statement_descriptor_kanji": None,
                         "statement_descriptor_prefix_kana": None,
                         "statement_descriptor_prefix_kanji": None},
            "payouts": {"debit_negative_balances": True,
                        "schedule": {"delay_days": 2, "interval": "daily"},
                        "statement_descriptor": None},
            "sepa_debit_payments": {}},
        "tos_acceptance": {"date": account.created, "ip": "127.0.0.1", "user_agent": None},
        "type": "standard",
    }
