"""The clock: frozen for one thread (``tick --at``, service tests) or for
the whole process (the browser tests' live server answers from its own
threads)."""

import threading
from datetime import UTC, datetime

from refundportal import clock

MARCH = datetime(2026, 3, 18, 6, 30, tzinfo=UTC)
APRIL = datetime(2026, 4, 1, 0, 0, tzinfo=UTC)


def read_in_another_thread() -> datetime:
    seen: list[datetime] = []
    reader = threading.Thread(target=lambda: seen.append(clock.now()))
    reader.start()
    reader.join()
    return seen[0]


def test_a_thread_frozen_clock_is_not_seen_by_other_threads():
    with clock.frozen_at(MARCH):
        assert clock.now() == MARCH
        assert read_in_another_thread() != MARCH


def test_a_process_frozen_clock_is_seen_by_every_thread():
    with clock.frozen_everywhere(MARCH):
        assert clock.now() == MARCH
        assert read_in_another_thread() == MARCH
    assert clock.now() != MARCH


def test_the_threads_own_setting_wins_over_the_process_one():
    with clock.frozen_everywhere(MARCH), clock.frozen_at(APRIL):
        assert clock.now() == APRIL
        assert read_in_another_thread() == MARCH
