from decimal import Decimal

import pytest

from core.money import ZERO, money


@pytest.mark.parametrize("value,expected", [
    ("1.005", "1.01"), ("1.004", "1.00"), ("-1.005", "-1.01"), ("2.675", "2.68"),
    (3, "3.00"), (Decimal("0.125"), "0.13"), ("0", "0.00"),
])
def test_money_rounds_half_up_to_the_cent(value, expected):
    assert money(value) == Decimal(expected)
    assert str(money(value)) == expected


def test_money_refuses_floats():
    with pytest.raises(TypeError):
        money(0.1)


def test_zero_has_two_places():
    assert str(ZERO) == "0.00"
