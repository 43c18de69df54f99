"""The analytics tests run on a frozen clock: 10 May 2025 in Shanghai, so
that March and April 2025 are closed months and May is the current one."""

from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest

from refundportal import clock

from .support import NOW, Scenario, march_2025


@pytest.fixture
def now(db: Any) -> Iterator[datetime]:
    with clock.frozen_at(NOW):
        yield NOW


@pytest.fixture
def march(now: datetime) -> Scenario:
    return march_2025()


@pytest.fixture
def manager(as_role: Any) -> Any:
    return as_role("manager")
