"""Reads on refund requests: claims on orders' lines, the querysets the API
and pages list, and what a customer may do next."""

from collections import defaultdict
from collections.abc import Iterable
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Prefetch, QuerySet, Sum
from django.db.models.functions import Coalesce

from accounts import roles
from orders.models import Order
from orders.selectors import Claim, OrderRefundable, order_refundable
from refundportal import clock

from .models import Evidence, RefundItem, RefundPolicy, RefundRequest, TimelineEvent
from .states import CLAIMING, RefundStatus


def claims_for_orders(order_ids: Iterable[int]) -> dict[int, dict[str, Claim]]:
    """For each order, what its standing requests hold on each line: units,
    and money (the approved part once decided, the requested part before)."""
    rows = (
        RefundItem.objects.filter(
            request__order_id__in=list(order_ids), request__status__in=CLAIMING
        )
        .values("request__order_id", "line")
        .annotate(
            units=Sum("quantity"),
            money=Sum(Coalesce("approved_amount", "amount")),
        )
    )
    claims: dict[int, dict[str, Claim]] = defaultdict(dict)
    for row in rows:
        claims[row["request__order_id"]][row["line"]] = Claim(
            quantity=row["units"] or 0, amount=Decimal(row["money"] or 0).quantize(Decimal("0.01"))
        )
    return dict(claims)


def order_refundable_now(order: Order) -> OrderRefundable:
    return order_refundable(order, claims_for_orders([order.pk]).get(order.pk, {}))


def refund_queryset_for(user: Any) -> QuerySet[RefundRequest]:
    """The requests a user may read, with everything the API shows fetched
    in a fixed number of queries."""
    # The appeal and the feedback (at most one each) are joined, not
    # prefetched: two queries fewer on every read.
    qs = RefundRequest.objects.select_related(
        "order", "customer", "assignee", "appeal", "feedback"
    ).prefetch_related(
        "items",
        Prefetch("evidence", queryset=Evidence.objects.order_by("created_at", "id")),
        Prefetch("timeline", queryset=TimelineEvent.objects.order_by("at", "id")),
        "payouts",
    )
    held = roles.user_roles(user)
    if held & roles.STAFF_ROLES:
        return qs
    if roles.CUSTOMER in held:
        return qs.filter(customer=user)
    return qs.none()


def has_open_request(order: Order) -> bool:
    return RefundRequest.objects.filter(order=order, status=RefundStatus.PENDING_REVIEW).exists()


def can_appeal(request: RefundRequest, policy: RefundPolicy | None = None) -> bool:
    if request.status != RefundStatus.REJECTED or has_appeal(request):
        return False
    at = request.decided_at
    if at is None:
        return False
    days = (policy or RefundPolicy.current()).appeal_days
    return clock.now() <= at + timedelta(days=days)


def has_appeal(request: RefundRequest) -> bool:
    try:
        return request.appeal is not None
    except RefundRequest.appeal.RelatedObjectDoesNotExist:
        return False


def has_feedback(request: RefundRequest) -> bool:
    try:
        return request.feedback is not None
    except RefundRequest.feedback.RelatedObjectDoesNotExist:
        return False


def can_give_feedback(request: RefundRequest) -> bool:
    return request.status in (RefundStatus.REFUNDED, RefundStatus.REJECTED) and not has_feedback(
        request
    )


def review_queue(user: Any, params: Any) -> QuerySet[RefundRequest]:
    """Pending requests for a reviewer: escalated first, then by review due
    time. Escalated requests and appeals are for senior agents only."""
    from django.db.models import Q

    qs = refund_queryset_for(user).filter(status=RefundStatus.PENDING_REVIEW)
    if roles.SENIOR_AGENT not in roles.user_roles(user):
        qs = qs.filter(escalated=False).exclude(appeal__isnull=False)
    else:
        # Never the agent who rejected it: their appeals go to someone else.
        qs = qs.exclude(Q(appeal__isnull=False) & Q(appeal__rejected_by=user))
    reason = params.get("reason")
    if reason:
        qs = qs.filter(reason=reason)
    escalated = params.get("escalated")
    if escalated in ("true", "1"):
        qs = qs.filter(escalated=True)
    elif escalated in ("false", "0"):
        qs = qs.filter(escalated=False)
    assignee = params.get("assignee")
    if assignee == "me":
        qs = qs.filter(assignee=user)
    elif assignee == "none":
        qs = qs.filter(assignee__isnull=True)
    elif assignee:
        qs = qs.filter(assignee__username=assignee)
    return qs.order_by("-escalated", "review_due_at", "id")
