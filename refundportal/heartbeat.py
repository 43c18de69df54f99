"""Beat's heartbeat: a file beat touches each time it has sent a task.

Celery beat sends the payout sweep and the SLA sweep every minute, so a
file older than a few minutes means beat is stuck, or cannot reach the
broker (the touch happens only after a task was published). The compose
health check reads it with ``manage.py beat_health``. Only the beat process
touches it; workers and the web publish tasks too but never write it.
"""

import os
import time
from pathlib import Path
from typing import Any

from celery import signals
from django.conf import settings

_state = {"in_beat": False}


def heartbeat_file() -> Path:
    return Path(settings.BEAT_HEARTBEAT_FILE)


def touch(path: Path | None = None) -> None:
    path = path or heartbeat_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch()
    # The process's own clock, not the file system's: the age is read
    # against time.time().
    now = time.time()
    os.utime(path, (now, now))


def age_seconds(path: Path | None = None) -> float | None:
    """Seconds since beat last sent a task; None when it never did."""
    path = path or heartbeat_file()
    try:
        return max(0.0, time.time() - path.stat().st_mtime)
    except FileNotFoundError:
        return None


def on_beat_init(**kwargs: Any) -> None:
    """``beat_init``: this process is beat; a fresh beat counts as alive."""
    _state["in_beat"] = True
    touch()


def on_task_published(**kwargs: Any) -> None:
    """``after_task_publish``: in beat, a task went out."""
    if _state["in_beat"]:
        touch()


def connect_beat_signals() -> None:
    signals.beat_init.connect(on_beat_init, weak=False)
    signals.after_task_publish.connect(on_task_published, weak=False)
