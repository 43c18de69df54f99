"""The Celery set-up: two queues, payouts on their own, a plain worker
consuming both."""

import pytest
from django.conf import settings

from refundportal.celery_app import app
from refundportal.tasks import ping


def test_both_queues_are_declared_and_payout_tasks_route_to_their_own():
    names = {queue.name for queue in settings.CELERY_TASK_QUEUES}
    assert names == {"default", "payouts"}
    router = app.amqp.router
    assert router.route({}, "payouts.tasks.payout_attempt")["queue"].name == "payouts"
    assert router.route({}, "refunds.tasks.sla_sweep_task")["queue"].name == "default"


def test_tasks_are_acknowledged_only_after_they_ran():
    assert app.conf.task_acks_late is True
    assert app.conf.task_reject_on_worker_lost is True
    assert app.conf.broker_transport_options["visibility_timeout"] > app.conf.task_time_limit


@pytest.mark.worker
@pytest.mark.parametrize("queue", ["default", "payouts"])
def test_a_plain_worker_consumes_every_declared_queue(celery_worker, queue):
    assert ping.apply_async(queue=queue, ignore_result=False).get(timeout=20) == "pong"
