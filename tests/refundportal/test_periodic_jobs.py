"""Every periodic job runs in both places: ``manage.py tick`` (the registry)
and Celery beat (its schedule), under the same name."""

from celery import current_app

from refundportal import periodic


def test_beat_schedules_every_job_tick_runs(settings):
    registered = {name.replace("_", "-") for name in periodic.jobs()}
    assert set(settings.CELERY_BEAT_SCHEDULE) == registered


def test_every_beat_entry_names_a_registered_task(settings):
    current_app.loader.import_default_modules()
    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        assert entry["task"] in current_app.tasks, entry["task"]
