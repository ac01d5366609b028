"""The national ID number (居民身份证号码, GB 11643-1999): its check digit, its encryption and the
keyed hash that finds one person registered twice. The only place the plain number is handled."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"


def check_digit(first17: str) -> str:
    """The 18th character of the number whose first 17 digits are ``first17`` (ISO 7064 MOD 11-2)."""
    return _CHECK[sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True)) % 11]


def normalize(number: str) -> str:
    return (number or "").strip().replace(" ", "").upper()


def birth_date(number: str) -> dt.date:
    return dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))


def validate(number: str) -> str:
    """The number in canonical form, or a ``ValidationError`` saying what is wrong with it."""
    number = normalize(number)
    if len(number) != 18 or not number[:17].isascii() or not number[:17].isdigit():
        raise ValidationError(_("A national ID number has 18 characters: 17 digits and a digit or X."), code="format")
    try:
        born = birth_date(number)
    except ValueError:
        raise ValidationError(_("The date of birth in this ID number does not exist."), code="birth") from None
    if born > dt.date.today() or born.year < 1900:
        raise ValidationError(_("The date of birth in this ID number does not exist."), code="birth")
    if check_digit(number[:17]) != number[17]:
        raise ValidationError(_("This ID number's check digit is wrong: please check it for a typo."), code="check")
    return number


def _fernet() -> MultiFernet:
    return MultiFernet([Fernet(key.strip()) for key in settings.VOLUNTEER_ID_KEYS if key.strip()])


def encrypt(number: str) -> str:
    return _fernet().encrypt(number.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        return ""


def rotate(token: str) -> str:
    """The same number encrypted with the current first key (after a new key was put first)."""
    return _fernet().rotate(token.encode()).decode()


def keyed_hash(number: str) -> str:
    """HMAC-SHA256 of the canonical number: equal for the same person, useless without the key."""
    return hmac.new(settings.VOLUNTEER_ID_HASH_KEY.encode(), normalize(number).encode(), hashlib.sha256).hexdigest()


def mask(number: str) -> str:
    """330211********123X: the region and the last four, as certificates print it."""
    return number[:6] + "*" * 8 + number[-4:] if len(number) == 18 else "*" * 18


def age_on(number_birth: dt.date, day: dt.date) -> int:
    return day.year - number_birth.year - ((day.month, day.day) < (number_birth.month, number_birth.day))
