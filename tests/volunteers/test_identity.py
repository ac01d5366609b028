import datetime as dt

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ValidationError

from volunteers import identity

# A published sample number of GB 11643 (Beijing, born 1949-12-31, check digit X).
SAMPLE = "11010519491231002X"


def test_check_digit_of_the_standard_sample():
    assert identity.check_digit(SAMPLE[:17]) == "X"
    assert identity.validate(" 11010519491231002x ") == SAMPLE


@pytest.mark.parametrize(
    "number, code",
    [
        ("110105194912310021", "check"),  # one wrong check digit
        ("11010519491231002", "format"),  # 17 characters
        ("1101051949123100AX", "format"),
        ("110105194902300021", "birth"),  # 30 February
        ("", "format"),
    ],
)
def test_invalid_numbers_say_why(number, code):
    with pytest.raises(ValidationError) as caught:
        identity.validate(number)
    assert caught.value.code == code


def test_birth_date_in_the_future_is_refused():
    first17 = f"330211{dt.date.today().year + 1}0101001"
    with pytest.raises(ValidationError):
        identity.validate(first17 + identity.check_digit(first17))


def test_encryption_round_trip_and_key_rotation(settings):
    token = identity.encrypt(SAMPLE)
    assert SAMPLE not in token
    assert identity.decrypt(token) == SAMPLE
    old = settings.VOLUNTEER_ID_KEYS[0]
    new = Fernet.generate_key().decode()
    settings.VOLUNTEER_ID_KEYS = [new, old]  # a new key first: old tokens still read, rotate re-encrypts
    assert identity.decrypt(token) == SAMPLE
    rotated = identity.rotate(token)
    settings.VOLUNTEER_ID_KEYS = [new]
    assert identity.decrypt(rotated) == SAMPLE
    assert identity.decrypt(token) == ""  # the retired key's tokens no longer read


def test_keyed_hash_is_stable_and_depends_on_the_key(settings):
    first = identity.keyed_hash(SAMPLE)
    assert identity.keyed_hash(SAMPLE.lower()) == first
    settings.VOLUNTEER_ID_HASH_KEY = "another key"
    assert identity.keyed_hash(SAMPLE) != first


def test_mask_keeps_region_and_last_four():
    assert identity.mask(SAMPLE) == "110105********002X"


def test_production_refuses_to_start_without_the_id_keys():
    from tests.test_settings import PRODUCTION, _manage

    env = {k: v for k, v in PRODUCTION.items() if not k.startswith("VOLUNTEER_")}
    result = _manage("check", SMS_BACKEND="core.notify.ConsoleSmsBackend", **env)
    assert result.returncode != 0 and "Production needs VOLUNTEER_ID_KEYS" in result.stderr
