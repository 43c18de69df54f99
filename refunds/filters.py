"""The filters of the refund lists: requests, the review queue, the
merchant's requests and the disputes."""

from typing import Any

from django.db.models import QuerySet
from django_filters import rest_framework as filters

from refundportal.filters import BooleanFilter

from .models import Dispute, Reason, RefundRequest
from .states import RefundStatus

# What the review queue lists: requests under review (the default), or
# those waiting for their customers' answers.
QUEUE_STATUSES = (RefundStatus.PENDING_REVIEW, RefundStatus.AWAITING_CUSTOMER)


class RefundFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=RefundStatus.choices)
    reason = filters.ChoiceFilter(choices=Reason.choices)
    order = filters.CharFilter(field_name="order__number", help_text="An order number.")

    class Meta:
        model = RefundRequest
        fields = ["status", "reason", "order"]


class MerchantRefundFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=RefundStatus.choices)
    reason = filters.ChoiceFilter(choices=Reason.choices)

    class Meta:
        model = RefundRequest
        fields = ["status", "reason"]


class ReviewQueueFilter(filters.FilterSet):
    """The queue's status is chosen by the view (its order depends on it);
    declared here so that a bad value is refused like any other filter."""

    status = filters.ChoiceFilter(
        choices=[(s.value, s.label) for s in QUEUE_STATUSES],
        method="keep",
        help_text=(
            "`pending_review` (the default): requests under review; `awaiting_customer`: "
            "requests waiting for their customers' answers, the soonest due first."
        ),
    )
    reason = filters.ChoiceFilter(choices=Reason.choices)
    escalated = BooleanFilter()
    assignee = filters.CharFilter(method="by_assignee", help_text="A user name, `me` or `none`.")

    class Meta:
        model = RefundRequest
        fields = ["status", "reason", "escalated", "assignee"]

    def keep(self, qs: QuerySet[RefundRequest], name: str, value: Any) -> QuerySet[RefundRequest]:
        return qs

    def by_assignee(
        self, qs: QuerySet[RefundRequest], name: str, value: str
    ) -> QuerySet[RefundRequest]:
        if value == "me":
            return qs.filter(assignee=getattr(self.request, "user", None))
        if value == "none":
            return qs.filter(assignee__isnull=True)
        return qs.filter(assignee__username=value)


class DisputeFilter(filters.FilterSet):
    open = BooleanFilter(
        field_name="resolved_at",
        lookup_expr="isnull",
        help_text="`true`: open disputes only; `false`: resolved ones only; omitted: all, "
        "the open ones first.",
    )

    class Meta:
        model = Dispute
        fields = ["open"]
