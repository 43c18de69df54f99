"""The monthly roll-up: the ``kpi_rollup`` job writes each closed month once,
recomputes the previous month once after it settled, never the current
month; a rolled-up month reads as one query and equals the live figures."""

from datetime import timedelta

import pytest
from django.core.management import call_command

from analytics.models import MonthlyKpi
from analytics.months import Month
from analytics.services import kpi_rollup, kpis_compute, kpis_for_month
from analytics.tasks import kpi_rollup_task
from refundportal import clock, periodic

from .support import MARCH, NOW, feedback_on, sh

pytestmark = pytest.mark.django_db


def rows() -> dict[str, object]:
    return dict(MonthlyKpi.objects.values_list("month", "computed_at"))


def test_the_job_writes_every_closed_month_since_the_first_order(march):
    result = kpi_rollup(NOW)

    assert result == {"written": 3, "refreshed": 0}
    assert set(rows()) == {"2025-02", "2025-03", "2025-04"}  # not May, the current month


def test_a_second_run_changes_nothing(march):
    kpi_rollup(NOW)
    before = list(MonthlyKpi.objects.order_by("month").values())

    assert kpi_rollup(NOW) == {"written": 0, "refreshed": 0}
    assert kpi_rollup(NOW + timedelta(hours=1)) == {"written": 0, "refreshed": 0}
    assert list(MonthlyKpi.objects.order_by("month").values()) == before


def test_a_rolled_up_month_reads_as_the_live_figures(march, django_assert_num_queries):
    kpi_rollup(NOW)
    live = kpis_compute(Month(2025, 3))

    with django_assert_num_queries(1):
        rolled = kpis_for_month(Month(2025, 3))

    assert rolled.is_rolled_up
    assert rolled.as_dict() == live.as_dict() == MARCH


def test_the_current_month_is_computed_live(march):
    kpi_rollup(NOW)
    may = kpis_for_month(Month(2025, 5))
    assert not may.is_rolled_up


def test_a_closed_month_not_rolled_up_yet_is_computed_live(march):
    kpis = kpis_for_month(Month(2025, 3))
    assert not kpis.is_rolled_up
    assert kpis.as_dict() == MARCH


def test_an_empty_database_writes_nothing(now):
    assert kpi_rollup(NOW) == {"written": 0, "refreshed": 0}
    assert not MonthlyKpi.objects.exists()


def test_the_previous_month_is_recomputed_once_after_it_settled(march):
    """Rolled up minutes after March closed; a March rating that reached the
    portal late counts once March is recomputed, 3 days after it closed."""
    first_of_april = sh(4, 1, 0, 5)
    assert kpi_rollup(first_of_april)["written"] == 2  # February and March
    feedback_on(march.requests["r8"], 5, sh(3, 31, 23, 50))  # arrives late

    assert kpi_rollup(sh(4, 3, 23))["refreshed"] == 0  # still settling
    assert MonthlyKpi.objects.get(month="2025-03").satisfaction_count == 3

    settled = sh(4, 4, 0, 1)
    assert kpi_rollup(settled) == {"written": 0, "refreshed": 1}
    row = MonthlyKpi.objects.get(month="2025-03")
    assert row.satisfaction_count == 4
    assert row.computed_at == settled

    assert kpi_rollup(settled) == {"written": 0, "refreshed": 0}
    assert kpi_rollup(sh(4, 20)) == {"written": 0, "refreshed": 0}


def test_tick_runs_the_rollup(march):
    assert "kpi_rollup" in periodic.jobs()
    call_command("tick", "--at", NOW.isoformat())
    assert set(rows()) == {"2025-02", "2025-03", "2025-04"}


def test_the_celery_task_runs_the_job(march):
    with clock.frozen_at(NOW):
        assert kpi_rollup_task.delay().get() == {"written": 3, "refreshed": 0}


def test_the_beat_schedule_runs_the_task_on_the_default_queue(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["kpi-rollup"]
    assert entry["task"] == "analytics.tasks.kpi_rollup_task"
    assert "queue" not in entry.get("options", {})
    assert not any(
        "analytics" in pattern for pattern in settings.CELERY_TASK_ROUTES
    )  # default queue


def test_the_admin_lists_the_rollups(march):
    from django.test import Client

    from tests.factories import UserFactory

    kpi_rollup(NOW)
    client = Client()
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    response = client.get("/admin/analytics/monthlykpi/")
    assert response.status_code == 200
    assert "2025-03" in response.content.decode()
    assert client.get("/admin/analytics/monthlykpi/add/").status_code == 403
