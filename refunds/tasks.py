from celery import shared_task

from refundportal import clock

from . import services


@shared_task(name="refunds.tasks.sla_sweep_task", acks_late=True)
def sla_sweep_task() -> dict[str, int]:
    return services.sla_sweep(clock.now())
