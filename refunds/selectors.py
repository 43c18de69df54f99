"""Reads on refund requests: claims on orders' lines, the querysets the API
and pages list, and what a customer may do next."""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import Case, F, Prefetch, Q, QuerySet, Value, When

from accounts import roles
from orders.models import Order
from orders.selectors import Claim, OrderRefundable, merchants_of, order_refundable
from refundportal import clock

from .models import (
    DecisionSource,
    Evidence,
    Message,
    Reason,
    RefundPolicy,
    RefundRequest,
    TimelineEvent,
)
from .states import CLAIMING, OPEN, SETTLED, RefundStatus

# (order id, status, line, units, approved amount, requested amount) of a
# request's line: what the claims on an order's lines are summed from.
ClaimRow = tuple[int, str, str | None, int | None, Decimal | None, Decimal | None]
CLAIM_COLUMNS = (
    "order_id",
    "status",
    "items__line",
    "items__quantity",
    "items__approved_amount",
    "items__amount",
)


def _claims(rows: Iterable[ClaimRow]) -> tuple[dict[int, dict[str, Claim]], set[int]]:
    """For each order, what its standing requests hold on each line (units,
    and money: the approved part once decided, the requested part before),
    and which orders have a request under review."""
    units: dict[tuple[int, str], int] = defaultdict(int)
    money: dict[tuple[int, str], Decimal] = defaultdict(Decimal)
    under_review: set[int] = set()
    for order_id, status, line, quantity, approved, amount in rows:
        if status not in CLAIMING:
            continue
        if status in OPEN:
            under_review.add(order_id)
        if line is None:
            continue
        units[order_id, line] += quantity or 0
        money[order_id, line] += Decimal(approved if approved is not None else amount or 0)
    claims: dict[int, dict[str, Claim]] = defaultdict(dict)
    for (order_id, line), held in money.items():
        claims[order_id][line] = Claim(
            quantity=units[order_id, line], amount=held.quantize(Decimal("0.01"))
        )
    return dict(claims), under_review


def claims_for_orders(order_ids: Iterable[int]) -> dict[int, dict[str, Claim]]:
    """For each order, what its standing requests hold on each line."""
    rows = (
        RefundRequest.objects.filter(order_id__in=list(order_ids), status__in=CLAIMING)
        .order_by()
        .values_list(*CLAIM_COLUMNS)
    )
    return _claims(rows)[0]


def order_refundable_now(order: Order) -> OrderRefundable:
    return order_refundable(order, claims_for_orders([order.pk]).get(order.pk, {}))


@dataclass(frozen=True)
class Standing:
    """What auto-review reads before it decides on a new request."""

    claims: dict[str, Claim]  # the order's lines held by its standing requests
    open_request: int | None  # the order's request under review, if any
    late_compensated_by: int | None  # the order's granted or open lateness request
    recent_requests: int  # the customer's requests since ``since``, cancelled ones aside
    first_on_order: bool  # no request was ever filed on the order: nothing was paid back


def standing_of(order: Order, since: datetime, rows: Iterable[Any]) -> Standing:
    """The order's standing from its customer's request rows: (id, created
    at, reason) and a ``ClaimRow``, one row per line."""
    recent: set[int] = set()
    on_order: list[ClaimRow] = []
    open_request = late_compensated_by = None
    for pk, created_at, reason, *claim in rows:
        row: ClaimRow = tuple(claim)
        status = row[1]
        if created_at >= since and status != RefundStatus.CANCELLED:
            recent.add(pk)
        if row[0] != order.pk:
            continue
        on_order.append(row)
        if status in OPEN:
            open_request = pk
        if reason == Reason.LATE_DELIVERY and status in CLAIMING:
            late_compensated_by = late_compensated_by or pk
    claims, _under_review = _claims(on_order)
    return Standing(
        claims=claims.get(order.pk, {}),
        open_request=open_request,
        late_compensated_by=late_compensated_by,
        recent_requests=len(recent),
        first_on_order=not on_order,
    )


def filing_standing(order: Order, since: datetime) -> Standing:
    """The order's standing requests and its customer's requests since
    ``since``, one row per line, in one query (a customer files a handful a
    month): with the order read, what every filing reads first."""
    rows = (
        RefundRequest.objects.filter(customer_id=order.customer_id)
        .filter(Q(order_id=order.pk) | Q(created_at__gte=since))
        .order_by()
        .values_list("id", "created_at", "reason", *CLAIM_COLUMNS)
    )
    return standing_of(order, since, rows)


def refund_queryset_for(user: Any) -> QuerySet[RefundRequest]:
    """The requests a user may read, with everything the API shows fetched
    in a fixed number of queries."""
    # The appeal and the feedback (at most one each) are joined, not
    # fetched in the same query: two queries fewer on every read.
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
    mine = Q(customer=user) if roles.CUSTOMER in held else Q(pk__in=[])
    if roles.MERCHANT in held:
        # A merchant's staff read the requests on their merchants' orders.
        mine |= Q(order__merchant_id__in=merchants_of(user))
    return qs.filter(mine)


def conversation(refund: RefundRequest) -> QuerySet[Message]:
    """A request's messages, oldest first, with their photos."""
    return (
        Message.objects.filter(request=refund)
        .prefetch_related(Prefetch("evidence", queryset=Evidence.objects.order_by("id")))
        .order_by("at", "id")
    )


def late_compensation(refund: RefundRequest) -> RefundRequest | None:
    """Another request on the same order that compensates its lateness
    (granted, or being decided): what agents see as "already compensated"."""
    return (
        RefundRequest.objects.filter(
            order_id=refund.order_id, reason=Reason.LATE_DELIVERY, status__in=CLAIMING
        )
        .exclude(pk=refund.pk)
        .order_by("created_at", "pk")
        .first()
    )


def open_request_on(order_id: int) -> int | None:
    """The id of the order's request being decided, if any."""
    return (
        RefundRequest.objects.filter(order_id=order_id, status__in=OPEN)
        .values_list("pk", flat=True)
        .first()
    )


def is_refunded_partial(request: RefundRequest) -> bool:
    """A person's approval of less than was asked, paid out (SPEC 2, step 7).
    A lateness tier is the policy's amount, not a partial approval."""
    return (
        request.status == RefundStatus.REFUNDED
        and request.decision_source != DecisionSource.AUTO
        and request.approved_amount is not None
        and request.approved_amount < request.requested_amount
    )


def can_appeal(
    request: RefundRequest, policy: RefundPolicy | None = None, *, appealed: bool | None = None
) -> bool:
    """Once, within the appeal window of the decision: a rejection, or a
    partial approval once its approved part is refunded. ``appealed`` is
    whether it was, when the caller knows (else read)."""
    appealable = request.status == RefundStatus.REJECTED or is_refunded_partial(request)
    if not appealable:
        return False
    if has_appeal(request) if appealed is None else appealed:
        return False
    closes_at = appeal_closes_at(request, policy)
    return closes_at is not None and clock.now() <= closes_at


def appeal_closes_at(request: RefundRequest, policy: RefundPolicy | None = None) -> datetime | None:
    """The end of the appeal window of the request's decision."""
    if request.decided_at is None:
        return None
    return request.decided_at + timedelta(days=(policy or RefundPolicy.current()).appeal_days)


UNATTACHED_EVIDENCE_HOURS = 24


def retention_days() -> int:
    return int(getattr(settings, "EVIDENCE_RETENTION_DAYS", 180))


def unattached_evidence_expired(at: datetime) -> QuerySet[Evidence]:
    """Photos uploaded over a day before ``at`` and never attached to a
    request: a form left unsent, or a filing that was refused."""
    return Evidence.objects.filter(
        request__isnull=True, created_at__lt=at - timedelta(hours=UNATTACHED_EVIDENCE_HOURS)
    )


def closed_evidence_expired(at: datetime, policy: RefundPolicy | None = None) -> QuerySet[Evidence]:
    """Photos of requests closed for good (refunded, rejected or cancelled,
    and past any appeal) whose last change is older than the retention."""
    appeal_days = (policy or RefundPolicy.current()).appeal_days
    return Evidence.objects.filter(
        request__status__in=SETTLED,
        request__updated_at__lt=at - timedelta(days=retention_days()),
    ).filter(
        # Not open to an appeal any more (``can_appeal``): appealed once
        # already, or the window of its decision has passed.
        Q(request__appeal__isnull=False)
        | Q(request__decided_at__isnull=True)
        | Q(request__decided_at__lt=at - timedelta(days=appeal_days))
    )


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


def can_give_feedback(request: RefundRequest, *, rated: bool | None = None) -> bool:
    """Once, after the request is refunded or rejected. ``rated`` is whether
    it was, when the caller knows (else read)."""
    if request.status not in (RefundStatus.REFUNDED, RefundStatus.REJECTED):
        return False
    return not (has_feedback(request) if rated is None else rated)


def customer_reply_overdue(at: datetime) -> QuerySet[RefundRequest]:
    """Requests still waiting for an answer their customer owed by ``at``."""
    return RefundRequest.objects.filter(
        status=RefundStatus.AWAITING_CUSTOMER, customer_reply_due_at__lte=at
    ).order_by("customer_reply_due_at", "pk")


def merchant_answer_overdue(at: datetime) -> QuerySet[RefundRequest]:
    """Requests still waiting for an answer their merchant owed by ``at``."""
    return RefundRequest.objects.filter(
        status=RefundStatus.AWAITING_MERCHANT, merchant_due_at__lte=at
    ).order_by("merchant_due_at", "pk")


def merchant_refunds(user: Any) -> QuerySet[RefundRequest]:
    """The requests on the orders of a merchant user's merchants (only
    those, whatever else the user may read as a customer or staff): those
    waiting for an answer first, the soonest due first, then the newest."""
    waiting_first = Case(
        When(status=RefundStatus.AWAITING_MERCHANT, then=Value(0)), default=Value(1)
    )
    return (
        refund_queryset_for(user)
        .filter(order__merchant_id__in=merchants_of(user))
        .annotate(waiting_first=waiting_first)
        .order_by("waiting_first", F("merchant_due_at").asc(nulls_last=True), "-created_at", "-id")
    )


# The queue's order: escalated first, then the ones their customers hurried
# (the earliest nudge first), then the most urgent review time.
QUEUE_ORDER = ("-escalated", F("nudged_at").asc(nulls_last=True), "review_due_at", "id")


def review_queue(
    user: Any, params: Any, *, status: str = RefundStatus.PENDING_REVIEW
) -> QuerySet[RefundRequest]:
    """Requests for a reviewer in ``status`` (under review, or waiting for
    their customers): escalated first, then nudged, then by review due
    time. Escalated requests and appeals are for senior agents only."""
    qs = refund_queryset_for(user).filter(status=status)
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
    if status == RefundStatus.AWAITING_CUSTOMER:
        return qs.order_by("customer_reply_due_at", "id")
    return qs.order_by(*QUEUE_ORDER)
