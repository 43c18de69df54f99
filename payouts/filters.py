"""The payout list's and export's filters, and the sandbox ledger's."""

from datetime import UTC, date, datetime, time

from django.db.models import QuerySet
from django.utils import timezone
from django_filters import rest_framework as filters

from orders.models import TenderMethod
from refundportal.filters import IdFilter

from .models import Payout, SandboxLedgerEntry
from .states import PayoutStatus


class PayoutFilter(filters.FilterSet):
    """By status, method, refund and creation day (``from``/``to``
    inclusive, in Asia/Shanghai)."""

    status = filters.ChoiceFilter(choices=PayoutStatus.choices)
    method = filters.ChoiceFilter(choices=TenderMethod.choices)
    refund = IdFilter(field_name="refund_id", help_text="A refund request's id.")

    class Meta:
        model = Payout
        fields = ["status", "method", "refund"]

    def created_from(self, qs: QuerySet[Payout], name: str, value: date) -> QuerySet[Payout]:
        start = datetime.combine(value, time.min, tzinfo=timezone.get_current_timezone())
        return qs.filter(created_at__gte=in_utc(start))

    def created_to(self, qs: QuerySet[Payout], name: str, value: date) -> QuerySet[Payout]:
        end = datetime.combine(value, time.max, tzinfo=timezone.get_current_timezone())
        return qs.filter(created_at__lte=in_utc(end))


# ``from`` is a Python keyword: declared after the class.
PayoutFilter.base_filters["from"] = filters.DateFilter(
    method="created_from", help_text="Created on or after this day (Asia/Shanghai)."
)
PayoutFilter.base_filters["to"] = filters.DateFilter(
    method="created_to", help_text="Created on or before this day (Asia/Shanghai)."
)


def in_utc(moment: datetime) -> datetime:
    """The instant in UTC, where the database compares; a day at the edge of
    the calendar (0001-01-01 in Asia/Shanghai is still year 0 in UTC) is
    clamped to the first or last instant UTC has."""
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        edge = datetime.min if moment.year == 1 else datetime.max
        return edge.replace(tzinfo=UTC)


class LedgerFilter(filters.FilterSet):
    idempotency_key = filters.CharFilter(help_text="The payout's idempotency key.")

    class Meta:
        model = SandboxLedgerEntry
        fields = ["idempotency_key"]
