import pytest
from django.core.exceptions import ValidationError

from funds.money import parse_yuan, yuan


@pytest.mark.parametrize(
    ("text", "fen"),
    [("2000", 200_000), ("35.5", 3_550), ("35.50", 3_550), ("1,234.05", 123_405), ("¥0.01", 1), ("12.500", 1_250)],
)
def test_yuan_are_parsed_to_fen(text, fen):
    assert parse_yuan(text) == fen


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("-5", "negative"),
        ("0", "negative"),
        ("0.001", "fractional_fen"),
        ("1.234", "fractional_fen"),
        ("100000000.01", "too_large"),
        ("99999999999999999", "too_large"),
        ("abc", "invalid"),
        ("1e5", "invalid"),
        ("", "invalid"),
    ],
)
def test_bad_amounts_get_a_clear_error(text, code):
    with pytest.raises(ValidationError) as error:
        parse_yuan(text)
    assert error.value.code == code


def test_fen_are_shown_as_yuan():
    assert yuan(17_800_000) == "178,000.00"
    assert yuan(5) == "0.05"
