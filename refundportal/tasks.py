from celery import shared_task


@shared_task(name="refundportal.tasks.ping")
def ping() -> str:
    """Answers ``pong`` from whichever worker took it: the health check's
    and the tests' proof that a worker consumes the queues."""
    return "pong"
