"""Sending tasks after the commit without ever failing the request: a dead
broker is logged, and the periodic sweeps pick up what was not sent."""

import logging
from typing import Any

from celery import current_app
from django.db import transaction

logger = logging.getLogger(__name__)


def enqueue_on_commit(task: Any, *args: Any, **kwargs: Any) -> None:
    """Send ``task`` (a task, or a registered task's name) once the current
    transaction commits. By name, a service sends a task defined in the
    tasks module that imports it, without importing that module back."""
    if isinstance(task, str):
        task = current_app.tasks[task]

    def send() -> None:
        try:
            task.apply_async(args=args, kwargs=kwargs)
        except Exception:
            logger.exception("could not enqueue %s; the periodic sweep will catch up", task.name)

    transaction.on_commit(send)
