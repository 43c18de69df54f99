"""Celery beat's schedule: the settings seed the jobs that are missing, and
what the admin changed on an existing job survives the next beat start."""

import pytest
from celery.utils.imports import symbol_by_name
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from refundportal.beat import Scheduler
from refundportal.celery_app import app

# The scheduler commits and closes connections as beat does: no test
# transaction around it.
pytestmark = pytest.mark.django_db(transaction=True)


def start_beat() -> Scheduler:
    return Scheduler(app=app)


def seconds(task: PeriodicTask) -> float:
    return task.interval.schedule.run_every.total_seconds()


def test_beat_uses_the_portals_scheduler():
    assert symbol_by_name(app.conf.beat_scheduler) is Scheduler


def test_first_start_creates_every_job_of_the_settings(settings):
    start_beat()
    assert set(settings.CELERY_BEAT_SCHEDULE) <= set(
        PeriodicTask.objects.values_list("name", flat=True)
    )
    sweep = PeriodicTask.objects.get(name="payout-sweep")
    assert (seconds(sweep), sweep.enabled) == (60, True)


def test_an_interval_and_a_switch_changed_in_the_admin_survive_the_next_start():
    start_beat()
    # As the admin does it: pick another interval for one job, switch another off.
    every_ten, _ = IntervalSchedule.objects.get_or_create(every=10, period=IntervalSchedule.MINUTES)
    sweep = PeriodicTask.objects.get(name="payout-sweep")
    sweep.interval = every_ten
    sweep.save()
    rollup = PeriodicTask.objects.get(name="kpi-rollup")
    rollup.enabled = False
    rollup.save()

    restarted = start_beat()

    sweep.refresh_from_db()
    rollup.refresh_from_db()
    assert seconds(sweep) == 600
    assert rollup.enabled is False
    assert restarted.schedule["payout-sweep"].schedule.run_every.total_seconds() == 600
    assert "kpi-rollup" not in restarted.schedule


def test_a_job_missing_from_the_database_is_created_at_the_next_start():
    start_beat()
    PeriodicTask.objects.filter(name="sla-sweep").delete()

    restarted = start_beat()

    sla = PeriodicTask.objects.get(name="sla-sweep")
    assert (sla.task, seconds(sla)) == ("refunds.tasks.sla_sweep_task", 60)
    assert "sla-sweep" in restarted.schedule
