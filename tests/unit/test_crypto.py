import pytest

from light.plumbing.crypto import EncryptionKeyMissing, derive_key, load_fernet, mask_secret


@pytest.mark.parametrize("secret, shown", [
    ("sk_test_51HxAbCdEfGh4242", "sk_test_…4242"),
    ("rk_live_abcdefghijklmnop9876", "rk_live_…9876"),
    ("whsec_abcdefghijklmnopqrstuvwx", "whsec_…uvwx"),
    ("sk_test_short", "sk_test_…"),  # too short to show any tail safely
    ("", ""),
    (None, ""),
])
def test_mask_secret_shows_prefix_and_last_four_only(secret, shown):
    assert mask_secret(secret) == shown


def test_production_refuses_to_run_without_an_encryption_key(tmp_path):
    with pytest.raises(EncryptionKeyMissing):
        load_fernet({"LIGHT_ENV": "production"}, str(tmp_path))


def test_development_key_is_created_once_and_reused(tmp_path):
    first = load_fernet({}, str(tmp_path))
    token = first.encrypt(b"secret")
    assert load_fernet({}, str(tmp_path)).decrypt(token) == b"secret"


def test_rotated_keys_still_decrypt_what_the_old_key_wrote(tmp_path):
    old, new = derive_key("old"), derive_key("new")
    token = load_fernet({"LIGHT_ENCRYPTION_KEY": old}, str(tmp_path)).encrypt(b"x")
    assert load_fernet({"LIGHT_ENCRYPTION_KEY": f"{new},{old}"}, str(tmp_path)).decrypt(token) == b"x"
