"""The objects the permission tests act on, each owned by one customer: an
order, a photo, a request under review, a rejected request, a failed
payout. ``Scene.key`` is what goes in a path; ``Scene.secrets`` what no
refused caller may read in the answer."""

import io
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from accounts import roles
from notifications.models import Notification
from orders.models import Order
from orders.services import order_event_add
from payouts.models import Payout
from payouts.states import PayoutStatus
from refunds.evidence import process_photo
from refunds.models import Dispute, Evidence, Feedback, Message, RefundRequest, TimelineEvent
from refunds.services import (
    evidence_store,
    payout_attempt,
    refund_dispute,
    refund_file,
    refund_merchant_respond,
)
from refunds.states import RefundStatus
from tests.factories import UserFactory, create_order, photo_bytes


@dataclass
class Scene:
    owner: Any
    order: Order
    key: str  # what goes in the path: an order number or an id
    secrets: tuple[str, ...] = ()


def an_order(owner: Any) -> Scene:
    order = create_order(customer=owner)
    return Scene(owner, order, order.number, (order.number, owner.get_username()))


def a_photo(owner: Any) -> Scene:
    order = create_order(customer=owner)
    data = photo_bytes(3)
    evidence = evidence_store(owner=owner, photo=process_photo(io.BytesIO(data), len(data)))
    return Scene(owner, order, str(evidence.pk), (evidence.sha256,))


def _refund_scene(refund: RefundRequest) -> Scene:
    return Scene(
        refund.customer,
        refund.order,
        str(refund.pk),
        (refund.order.number, refund.customer.get_username(), refund.description),
    )


def a_request_under_review(owner: Any) -> Scene:
    # Accepted by the merchant: no rule decides an "other" request alone.
    order = create_order(customer=owner)
    order_event_add(order=order, status="accepted", at=order.placed_at + timedelta(minutes=5))
    refund = refund_file(
        customer=owner, order_number=order.number, reason="other", description="汤是凉的"
    ).request
    assert refund.status == RefundStatus.PENDING_REVIEW
    return _refund_scene(refund)


def a_request_awaiting_merchant(owner: Any) -> Scene:
    """A change of mind while the food is being prepared: the order's
    merchant, which has a user in the portal, answers first (rule R13)."""
    order = create_order(customer=owner)
    order_event_add(order=order, status="accepted", at=order.placed_at + timedelta(minutes=5))
    order.merchant.members.add(UserFactory(role=roles.MERCHANT))
    refund = refund_file(
        customer=owner, order_number=order.number, reason="changed_mind", description="不想要了"
    ).request
    assert refund.status == RefundStatus.AWAITING_MERCHANT, refund.status
    return _refund_scene(refund)


def a_merchant_charge(owner: Any) -> Scene:
    """A change of mind the order's merchant approved: a charge on its
    statement, which it may dispute."""
    scene = a_request_awaiting_merchant(owner)
    refund = RefundRequest.objects.get(pk=scene.key)
    refund_merchant_respond(
        refund=refund,
        merchant_user=refund.order.merchant.members.first(),
        decision="approve",
    )
    refund.refresh_from_db()
    assert refund.liability == "merchant", refund.liability
    return scene


def a_disputed_charge(owner: Any) -> Scene:
    """A merchant's charge its merchant has disputed."""
    scene = a_merchant_charge(owner)
    refund = RefundRequest.objects.get(pk=scene.key)
    refund_dispute(
        refund=refund, merchant_user=refund.order.merchant.members.first(), note="顾客已取消"
    )
    return scene


def a_rejected_request(owner: Any) -> Scene:
    # A change of mind once the rider has the food: rejected at once.
    order = create_order(customer=owner)
    order_event_add(order=order, status="picked_up", at=order.placed_at + timedelta(minutes=5))
    refund = refund_file(
        customer=owner, order_number=order.number, reason="changed_mind", description="不想要了"
    ).request
    assert refund.status == RefundStatus.REJECTED
    return _refund_scene(refund)


def a_failed_payout(owner: Any) -> Scene:
    # Not yet accepted by the merchant: approved at once; the card is declined.
    order = create_order(
        customer=owner,
        tenders=[{"method": "card", "amount": "24.00", "account": "card:6222****decline"}],
    )
    refund = refund_file(customer=owner, order_number=order.number, reason="other").request
    payout = Payout.objects.get(refund=refund)
    payout_attempt(payout_id=payout.pk)
    payout.refresh_from_db()
    assert payout.status == PayoutStatus.FAILED
    return Scene(owner, order, str(payout.pk), (order.number, payout.idempotency_key))


def snapshot() -> tuple[Any, ...]:
    """What a refused call must leave as it was."""
    return (
        list(Order.objects.order_by("pk").values_list("status", flat=True)),
        list(
            RefundRequest.objects.order_by("pk").values_list(
                "status", "escalated", "assignee", "nudge_count", "nudged_at", "liability"
            )
        ),
        list(Dispute.objects.order_by("pk").values_list("resolution", "resolved_at")),
        list(Payout.objects.order_by("pk").values_list("status", "attempts", "closed")),
        Evidence.objects.count(),
        Evidence.objects.filter(request__isnull=False).count(),
        Feedback.objects.count(),
        TimelineEvent.objects.count(),
        Message.objects.count(),
        Notification.objects.count(),
    )


def shows_none_of(response: Any, secrets: tuple[str, ...]) -> None:
    text = response.content.decode("utf-8", "replace")
    for secret in secrets:
        assert secret not in text, f"the answer shows {secret!r}"
