import logging

from celery import shared_task
from django.core.mail import send_mail

logger = logging.getLogger(__name__)


@shared_task(name="notifications.tasks.send_email", acks_late=True, max_retries=3)
def send_email(address: str, subject: str, message: str) -> None:
    send_mail(subject, message, None, [address])
