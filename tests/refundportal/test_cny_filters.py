"""How money reads on the pages: ``¥12.50``, a deduction ``-¥1.20``."""

import pytest

from refundportal.templatetags.portal import cny, cny_off


@pytest.mark.parametrize(
    ("value", "shown"),
    [("1.20", "-¥1.20"), ("0.00", "¥0.00"), ("0", "¥0.00"), ("1234.5", "-¥1,234.50")],
)
def test_a_deduction_has_a_minus_only_when_something_is_deducted(value, shown):
    assert cny_off(value) == shown


def test_nothing_reads_as_nothing():
    assert (cny(None), cny_off(None)) == ("", "")
