"""Fixtures for the refund tests: a frozen clock and a customer old enough
to carry no risk flag. The API calls they make are in ``tests.refunds.support``."""

from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest
from django.utils import timezone

from refundportal import clock

from .support import old_customer


@pytest.fixture
def now(db: Any) -> Iterator[datetime]:
    """The portal's clock, frozen at a whole second, so minute boundaries are exact."""
    at = timezone.now().replace(microsecond=0)
    with clock.frozen_at(at):
        yield at


@pytest.fixture
def veteran(now: datetime) -> Any:
    """A customer of 30 days with no history: low risk."""
    return old_customer()
