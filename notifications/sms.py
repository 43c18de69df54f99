"""SMS is a pluggable backend (``SMS_BACKEND``); the default writes to the log."""

import logging
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


class SmsBackend(Protocol):
    def send(self, phone: str, text: str) -> None: ...


class ConsoleSmsBackend:
    def send(self, phone: str, text: str) -> None:
        logger.info("SMS to %s: %s", phone, text)


def sms_backend() -> SmsBackend:
    path = getattr(settings, "SMS_BACKEND", "notifications.sms.ConsoleSmsBackend")
    backend: SmsBackend = import_string(path)()
    return backend
