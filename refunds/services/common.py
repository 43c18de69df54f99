"""What the refund services share: the lock on a request (order row first,
then the request's), and telling the customer where a request stands."""

from typing import Any

from notifications.services import notify
from orders.models import Merchant, Order

from .. import presenters
from ..models import RefundRequest
from ..states import RefundStatus

# The notification each status sends the customer.
STATUS_EVENTS = {
    RefundStatus.PENDING_REVIEW: "refund_submitted",
    RefundStatus.APPROVED: "refund_approved",
    RefundStatus.REJECTED: "refund_rejected",
    RefundStatus.REFUNDED: "refund_refunded",
    RefundStatus.CANCELLED: "refund_cancelled",
}


def locked_request(request_id: int) -> RefundRequest:
    """The request with its order row locked first, then its own row: the
    lock order every refund transaction keeps (order, request, payout)."""
    order_id = (
        RefundRequest.objects.filter(pk=request_id).values_list("order_id", flat=True).first()
    )
    if order_id is None:
        raise RefundRequest.DoesNotExist
    Order.objects.select_for_update().filter(pk=order_id).first()
    return (
        RefundRequest.objects.select_for_update()
        .select_related("order", "customer")
        .get(pk=request_id)
    )


def notify_status(request: RefundRequest, note: dict[str, Any] | None) -> None:
    """Tell the customer where the request stands; ``note`` is a stored
    sentence (``refundportal.sentences``) or None."""
    event = STATUS_EVENTS.get(RefundStatus(request.status))
    if event:
        notify(
            user=request.customer,
            event=event,
            facts={"request": presenters.request_facts(request), "note": note},
            link=f"/refunds/{request.pk}/",
        )


def notify_merchant(
    request: RefundRequest,
    event: str,
    facts: dict[str, Any] | None = None,
    *,
    link: str | None = None,
) -> None:
    """Tell the staff of the request's merchant; ``facts`` beside the
    request's. ``link`` is the merchant's request page unless given."""
    for member in Merchant.members.through.objects.filter(
        merchant_id=request.order.merchant_id, user__is_active=True
    ).select_related("user"):
        notify(
            user=member.user,
            event=event,
            facts={"request": presenters.request_facts(request), **(facts or {})},
            link=link if link is not None else f"/merchant/refunds/{request.pk}/",
        )
