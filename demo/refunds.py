"""Demo refund requests over the seeded orders: filed, decided, paid and
rated through the real services, each at its own moment in the past (the
portal's clock is frozen per step), so the queue, the payouts and the KPI
dashboard have believable history. Orders that already have a request are
left alone, so running it again adds nothing."""

import io
import logging
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef
from django.test.utils import override_settings
from PIL import Image

from orders.models import Order
from orders.states import OrderStatus
from refundportal import clock
from refundportal.api import ApplicationError
from refunds.evidence import process_photo
from refunds.models import Reason, RefundRequest
from refunds.services import (
    evidence_store,
    refund_decide,
    refund_feedback,
    refund_file,
    refund_message_post,
    refund_nudge,
)
from refunds.states import RefundStatus

from .draws import generator
from .orders import ORDER_PREFIX
from .payouts import settle_payouts
from .people import AGENT, SENIOR_AGENT

# The requests draw from a stream of their own, apart from the orders'.
SEED = "refund-demo-1"
RECENT_DAYS = 2
RECENT_SHARE = 0.5
QUEUE_HOURS = timedelta(hours=20)  # requests this fresh are left to the agents
QUEUE_FLOOR = 3  # at least this many fresh requests wait for the agents after seeding
ASK_SHARE = 0.2  # of the requests agents decide, those they first ask the customer about
# What agents ask, and what customers answer (the demo speaks Chinese).
QUESTIONS = (
    "照片有些模糊，麻烦再拍一张清晰的餐品照片。",
    "请问具体是哪一份餐品缺少了？方便的话拍一下小票。",
    "请拍一下外包装的照片，方便我们和商家核实。",
)
ANSWERS = (
    "已补拍，请查看。",
    "少了一份米饭，小票上有的。",
    "包装袋破了，汤洒了一半。",
)

# Every reason, the most often filed first: histories built in bulk (the
# KPI benchmark, the dashboard tests) draw an index from an exponential
# distribution into it.
REASONS_MOST_FILED_FIRST: tuple[str, ...] = (
    Reason.LATE_DELIVERY,
    Reason.NOT_DELIVERED,
    Reason.FOOD_QUALITY,
    Reason.MISSING_ITEMS,
    Reason.DAMAGED,
    Reason.WRONG_ITEMS,
    Reason.CHANGED_MIND,
    Reason.OTHER,
)
# What a customer whose order came on time complains of, and how often.
ON_TIME_REASONS: tuple[tuple[str, int], ...] = (
    (Reason.FOOD_QUALITY, 30),
    (Reason.MISSING_ITEMS, 20),
    (Reason.DAMAGED, 15),
    (Reason.WRONG_ITEMS, 8),
    (Reason.CHANGED_MIND, 10),
    (Reason.NOT_DELIVERED, 7),
    (Reason.OTHER, 10),
)

Progress = Callable[[int, int], None]


@dataclass
class RefundSeedResult:
    created: int = 0
    refused: int = 0
    decided: int = 0
    rated: int = 0
    asked: int = 0


def _rng(*key: object) -> random.Random:
    return generator(*key, seed=SEED)


def _photo(rng: random.Random) -> bytes:
    """A small noisy picture: every one hashes differently, so the demo does
    not trip the duplicate-photo check by accident."""
    image = Image.new("RGB", (48, 48))
    image.putdata([(rng.randrange(256), rng.randrange(96), rng.randrange(64)) for _ in range(2304)])
    buffer = io.BytesIO()
    image.resize((192, 192)).save(buffer, "JPEG", quality=80)
    return buffer.getvalue()


def _plan(order: Order, rng: random.Random) -> tuple[str, datetime, bool]:
    """Reason, filing time and whether to name one item, for one order."""
    if order.status in (OrderStatus.CANCELLED, OrderStatus.DELIVERY_FAILED):
        return Reason.NOT_DELIVERED, order.promised_at + timedelta(minutes=45), False
    if order.status != OrderStatus.DELIVERED or order.delivered_at is None:
        return Reason.OTHER, order.placed_at + timedelta(minutes=20), False
    filed = order.delivered_at + timedelta(minutes=rng.randint(10, 600))
    if order.delivered_at - order.promised_at >= timedelta(minutes=15):
        return Reason.LATE_DELIVERY, filed, False
    reason = rng.choices(
        [reason for reason, _weight in ON_TIME_REASONS],
        weights=[weight for _reason, weight in ON_TIME_REASONS],
    )[0]
    return reason, filed, reason in (Reason.MISSING_ITEMS, Reason.WRONG_ITEMS)


def seed_refunds(*, share: float = 0.06, progress: Progress | None = None) -> RefundSeedResult:
    # Demo customers need no e-mail about history being written, and the
    # console no line per payout attempt over the progress bar.
    payout_log = logging.getLogger("payouts")
    level = payout_log.level
    payout_log.setLevel(logging.WARNING)
    try:
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"):
            return _seed_refunds(share, progress)
    finally:
        payout_log.setLevel(level)


def _seed_refunds(share: float, progress: Progress | None) -> RefundSeedResult:
    result = RefundSeedResult()
    now = clock.now()
    User = get_user_model()
    agent = User.objects.filter(username=AGENT).first()
    senior = User.objects.filter(username=SENIOR_AGENT).first()
    has_request = RefundRequest.objects.filter(order=OuterRef("pk"))
    candidates = list(
        Order.objects.filter(number__startswith=ORDER_PREFIX)
        .exclude(Exists(has_request))
        .select_related("customer")
        .prefetch_related("items")
        .order_by("number")
    )
    # The last two days get more requests, so that the review queue has work
    # in it whenever the demo is seeded.
    recent = now - timedelta(days=RECENT_DAYS)
    chosen = [
        o
        for o in candidates
        if _rng("pick", o.number).random() < (RECENT_SHARE if o.placed_at >= recent else share)
    ]
    if progress is not None:
        progress(0, len(chosen))
    for order in chosen:
        rng = _rng("request", order.number)
        reason, filed_at, name_item = _plan(order, rng)
        if filed_at > now:
            if progress is not None:
                progress(1, len(chosen))
            continue
        with clock.frozen_at(filed_at):
            evidence_ids = []
            if reason in (
                Reason.FOOD_QUALITY,
                Reason.MISSING_ITEMS,
                Reason.WRONG_ITEMS,
                Reason.DAMAGED,
            ):
                content = _photo(rng)
                photo = process_photo(io.BytesIO(content), len(content))
                evidence_ids.append(evidence_store(owner=order.customer, photo=photo).pk)
            items = []
            if name_item:
                item = rng.choice(list(order.items.all()))
                items.append({"item": item.pk, "quantity": 1})
            try:
                refund = refund_file(
                    customer=order.customer,
                    order_number=order.number,
                    reason=reason,
                    description=rng.choice(DESCRIPTIONS[reason]),
                    items=items,
                    evidence_ids=evidence_ids,
                ).request
            except ApplicationError:
                result.refused += 1
                if progress is not None:
                    progress(1, len(chosen))
                continue
            result.created += 1
            if refund.status == RefundStatus.APPROVED:
                settle_payouts(refund.pk, filed_at)
        _decide(refund, rng, now, agent, senior, result)
        _rate(refund, rng, now, result)
        if progress is not None:
            progress(1, len(chosen))
    _fill_queue(now, result)
    _liven_queue(now, result)
    _fill_queue(now, result)  # the one now waiting for its customer is not in the queue
    return result


def _fill_queue(now: datetime, result: RefundSeedResult) -> None:
    """Most fresh requests are decided by the rules at once; whatever the
    day's draw, leave the agents some work: questions on recent deliveries
    (reason "other" always waits for a person)."""
    fresh = now - QUEUE_HOURS
    waiting = RefundRequest.objects.filter(
        status=RefundStatus.PENDING_REVIEW, created_at__gt=fresh
    ).count()
    if waiting >= QUEUE_FLOOR:
        return
    has_request = RefundRequest.objects.filter(order=OuterRef("pk"))
    orders = (
        Order.objects.filter(
            number__startswith=ORDER_PREFIX,
            status=OrderStatus.DELIVERED,
            delivered_at__gt=fresh,
            delivered_at__lte=now - timedelta(hours=1),
        )
        .exclude(Exists(has_request))
        .select_related("customer")
        .order_by("-delivered_at", "number")
    )
    for order in orders:
        if waiting >= QUEUE_FLOOR:
            break
        if order.delivered_at is None:  # (the filter excludes it; for the type)
            continue
        rng = _rng("question", order.number)
        with clock.frozen_at(order.delivered_at + timedelta(minutes=rng.randint(10, 50))):
            try:
                refund_file(
                    customer=order.customer,
                    order_number=order.number,
                    reason=Reason.OTHER,
                    description=rng.choice(DESCRIPTIONS[Reason.OTHER]),
                )
            except ApplicationError:
                result.refused += 1
                continue
        result.created += 1
        waiting += 1


def _liven_queue(now: datetime, result: RefundSeedResult) -> None:
    """Of the fresh requests in the queue, customer service has asked one
    customer for more (still unanswered), and one customer has nudged."""
    if RefundRequest.objects.filter(status=RefundStatus.AWAITING_CUSTOMER).exists():
        return  # seeded before
    agent = get_user_model().objects.filter(username=AGENT).first()
    fresh = RefundRequest.objects.filter(
        status=RefundStatus.PENDING_REVIEW, escalated=False, created_at__gt=now - QUEUE_HOURS
    ).select_related("customer")
    queue = list(fresh.order_by("created_at", "pk")[:2])
    if agent is None or len(queue) < 2:
        return
    asked, nudged = queue
    rng = _rng("queue", asked.pk)
    try:
        with clock.frozen_at(min(asked.created_at + timedelta(hours=2), now)):
            refund_message_post(
                refund=asked, author=agent, body=rng.choice(QUESTIONS), awaiting_customer=True
            )
        result.asked += 1
        with clock.frozen_at(min(nudged.created_at + timedelta(hours=3), now)):
            refund_nudge(refund=nudged, customer=nudged.customer)
    except ApplicationError:
        return


def _decide(
    refund: RefundRequest,
    rng: random.Random,
    now: datetime,
    agent: Any,
    senior: Any,
    result: RefundSeedResult,
) -> None:
    """Most waiting requests were decided some hours later; the last day's
    are still in the queue."""
    refund.refresh_from_db()
    if refund.status != RefundStatus.PENDING_REVIEW:
        return
    # Mostly within the 24 h review time; some late, for the SLA figures.
    decided_at = refund.created_at + timedelta(hours=rng.choice([1, 2, 3, 5, 8, 12, 20, 30]))
    if decided_at > now or refund.created_at > now - QUEUE_HOURS or agent is None:
        return
    reviewer = senior if refund.escalated and senior is not None else agent
    if rng.random() < ASK_SHARE:
        decided_at += _converse(refund, rng, reviewer, result)
        if decided_at > now:
            return
    with clock.frozen_at(decided_at):
        roll = rng.random()
        try:
            if roll < 0.65:
                refund_decide(
                    refund=refund, agent=reviewer, decision="approve", note="已核实，同意退款"
                )
            elif roll < 0.8:
                half = (refund.requested_amount / 2).quantize(Decimal("0.01"))
                if half <= 0:
                    return
                refund_decide(
                    refund=refund,
                    agent=reviewer,
                    decision="approve",
                    amount=half,
                    note="部分餐品问题，按比例退款",
                )
            else:
                refund_decide(
                    refund=refund, agent=reviewer, decision="reject", note="图片无法证明问题"
                )
        except ApplicationError:
            return
        result.decided += 1
        refund.refresh_from_db()
        if refund.status == RefundStatus.APPROVED:
            settle_payouts(refund.pk, decided_at)


def _converse(
    refund: RefundRequest, rng: random.Random, agent: Any, result: RefundSeedResult
) -> timedelta:
    """The agent asks the customer for more an hour into the review and
    the customer answers some hours later: the time the review waited."""
    asked_at = refund.created_at + timedelta(hours=1)
    waited = timedelta(hours=rng.choice([1, 2, 4, 9]))
    try:
        with clock.frozen_at(asked_at):
            refund_message_post(
                refund=refund, author=agent, body=rng.choice(QUESTIONS), awaiting_customer=True
            )
        with clock.frozen_at(asked_at + waited):
            refund_message_post(refund=refund, author=refund.customer, body=rng.choice(ANSWERS))
    except ApplicationError:
        return timedelta(0)
    result.asked += 1
    return waited


def _rate(
    refund: RefundRequest, rng: random.Random, now: datetime, result: RefundSeedResult
) -> None:
    refund.refresh_from_db()
    if refund.status not in (RefundStatus.REFUNDED, RefundStatus.REJECTED) or rng.random() > 0.6:
        return
    at = (refund.decided_at or refund.created_at) + timedelta(hours=rng.randint(1, 20))
    if at > now:
        return
    if refund.status == RefundStatus.REFUNDED:
        rating = rng.choices([5, 4, 3, 2], weights=[60, 25, 10, 5])[0]
    else:
        rating = rng.choices([1, 2, 3, 4], weights=[40, 30, 20, 10])[0]
    with clock.frozen_at(at):
        try:
            refund_feedback(
                request=refund,
                customer=refund.customer,
                rating=rating,
                comment=rng.choice(COMMENTS[rating]),
            )
        except ApplicationError:
            return
    result.rated += 1


DESCRIPTIONS: dict[str, list[str]] = {
    Reason.NOT_DELIVERED: [
        "等了一个多小时还没送到",
        "骑手显示已送达，但我没收到",
        "订单一直没送来",
    ],
    Reason.LATE_DELIVERY: ["送得太慢了，饭都凉了", "超时很久才送到", "比预计时间晚了很多"],
    Reason.FOOD_QUALITY: ["菜有异味，不新鲜", "米饭是夹生的", "汤里有头发", "肉没熟"],
    Reason.MISSING_ITEMS: ["少送了一份", "饮料没有送", "缺了一个菜"],
    Reason.WRONG_ITEMS: ["送错了菜", "点的微辣送来特辣"],
    Reason.DAMAGED: ["汤洒了一半", "包装破了，餐盒漏了", "外卖袋里全是油"],
    Reason.CHANGED_MIND: ["不想要了", "临时有事，吃不了了"],
    Reason.OTHER: ["发票开错了", "想咨询一下退款", "其他问题"],
}

COMMENTS: dict[int, list[str]] = {
    5: ["处理很快，满意", "客服很好", ""],
    4: ["还可以", "退款到账了", ""],
    3: ["一般", "有点慢"],
    2: ["退款太少了", "等太久了"],
    1: ["不合理，不满意", "理由不成立", "退款金额不对"],
}
