import logging

from celery import shared_task
from django.core.mail import EmailMultiAlternatives

logger = logging.getLogger(__name__)


@shared_task(name="notifications.tasks.send_email", acks_late=True, max_retries=3)
def send_email(address: str, subject: str, message: str, html: str = "") -> None:
    email = EmailMultiAlternatives(subject, message, None, [address])
    if html:
        email.attach_alternative(html, "text/html")
    email.send()
