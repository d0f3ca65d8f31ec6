"""The one rule for amounts of money: `Decimal`, 2 places, rounded half-up, never floats.

Billing rounds each line with `money()`; totals are sums of rounded lines (what the invoice
shows adds up exactly). The site budget simulator (`territory/budget.py`) uses it too.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


def to_decimal(value) -> Decimal:
    """A Decimal from an int, a str or a Decimal; floats are refused (0.1 is not 0.1)."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, float):
        raise TypeError("money: use Decimal or str, never float")
    return Decimal(str(value))


def money(value) -> Decimal:
    """Round to the cent, half-up (1.005 -> 1.01, -1.005 -> -1.01)."""
    return to_decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)
