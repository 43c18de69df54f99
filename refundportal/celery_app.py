"""The Celery application ``refundportal``.

``celery -A refundportal worker`` consumes both declared queues; production
runs one worker per queue so that payouts never wait behind e-mail.
"""

import os

from celery import Celery

from .heartbeat import connect_beat_signals
from .logs import connect_task_signals

os.environ.setdefault(
    "DJANGO_SETTINGS_MODULE", f"refundportal.settings.{os.environ.get('DJANGO_ENV', 'local')}"
)

app = Celery("refundportal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# Tasks carry the request id that published them; worker logs write it.
connect_task_signals()
# Beat touches its heartbeat file (manage.py beat_health) each time it sends a task.
connect_beat_signals()
