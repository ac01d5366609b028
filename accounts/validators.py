from __future__ import annotations

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


def normalize_cn_mobile(value: str) -> str:
    """Return the 11-digit form of a mainland Chinese mobile number, or raise ValidationError.

    Accepts spaces, dashes and a +86 / 0086 prefix; checks the number against libphonenumber's
    metadata for China (a real mobile range, not just 11 digits).
    """
    raw = (value or "").strip()
    try:
        number = phonenumbers.parse(raw, "CN")
    except phonenumbers.NumberParseException:
        number = None
    if (
        number is None
        or number.country_code != 86
        or not phonenumbers.is_valid_number(number)
        or phonenumbers.number_type(number)
        not in (phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE)
    ):
        raise ValidationError(
            _("Enter a valid mainland China mobile number, e.g. 138 0000 0000."), code="invalid_phone"
        )
    return str(number.national_number)


def validate_cn_mobile(value: str) -> None:
    normalize_cn_mobile(value)
