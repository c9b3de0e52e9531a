"""Plain-data validation for the auth forms: returns {field: message}; empty means valid."""
import re
import unicodedata

from email_validator import EmailNotValidError, validate_email

COMMON_PASSWORDS = frozenset(
    "password password1 password123 1234567890 12345678901 qwertyuiop letmein123 iloveyou12 "
    "welcome123 administrator changeme123 passw0rd123".split()
)


def clean_email(value: str, errors: dict, field: str = "email") -> str:
    value = (value or "").strip()
    if not value:
        errors[field] = "Enter your e-mail address."
    elif len(value) > 254:
        errors[field] = "E-mail addresses are at most 254 characters."
    else:
        try:
            # test_environment: `.test` (RFC 2606's domain for testing) is accepted, as teams trying
            # Light out use it; the other special-use names (.local, .invalid, …) are still refused.
            checked = validate_email(value, check_deliverability=False, test_environment=True)
            if "." in checked.ascii_domain:  # test_environment also lets a bare "@test" through
                return checked.normalized.lower()
            errors[field] = "Enter a valid e-mail address, like name@example.com."
        except EmailNotValidError:
            errors[field] = "Enter a valid e-mail address, like name@example.com."
    return value


def clean_name(value: str, errors: dict, field: str, label: str, max_len: int = 120) -> str:
    value = (value or "").strip()
    if not value:
        errors[field] = f"Enter {label}."
    elif len(value) > max_len:
        errors[field] = f"{label[0].upper()}{label[1:]} must be at most {max_len} characters."
    elif any(unicodedata.category(c) == "Cc" for c in value):
        # Names go into e-mail subjects, where a line break would be a new header.
        errors[field] = f"{label[0].upper()}{label[1:]} must be on one line."
    return value


def check_password_strength(password: str, errors: dict, email: str = "", field: str = "password") -> None:
    if not password:
        errors[field] = "Choose a password."
    elif len(password) < 10:
        errors[field] = "Use at least 10 characters."
    elif len(password) > 200:
        errors[field] = "Use at most 200 characters."
    elif password.lower() in COMMON_PASSWORDS or re.fullmatch(r"(.)\1*", password):
        errors[field] = "That password is too easy to guess."
    elif password.isdigit():
        errors[field] = "Mix letters in with the numbers."
    elif email and email.split("@")[0].lower() in password.lower() and len(email.split("@")[0]) > 3:
        errors[field] = "Don't use your e-mail address in your password."
