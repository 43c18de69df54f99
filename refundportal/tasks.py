from celery import shared_task

from . import periodic


@shared_task(name="refundportal.tasks.tick")
def tick() -> dict[str, str]:
    return {name: str(result) for name, result in periodic.run_all().items()}


@shared_task(name="refundportal.tasks.ping")
def ping() -> str:
    """Answers ``pong`` from whichever worker took it: the health check's
    and the tests' proof that a worker consumes the queues."""
    return "pong"
