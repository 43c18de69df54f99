"""The shape of ``GET /api/v1/analytics/monthly/``: output only, described
field by field for the schema."""

from rest_framework import serializers

from refunds.models import Liability, Reason

from .months import MONTH_PATTERN


def _share(help_text: str, *, allow_null: bool = True) -> serializers.FloatField:
    return serializers.FloatField(
        min_value=0, max_value=1, allow_null=allow_null, help_text=help_text
    )


def _money(help_text: str) -> serializers.DecimalField:
    return serializers.DecimalField(
        max_digits=14, decimal_places=2, coerce_to_string=True, help_text=help_text
    )


class ReasonKpiSerializer(serializers.Serializer):
    reason = serializers.ChoiceField(choices=Reason.choices)
    count = serializers.IntegerField(min_value=0, help_text="Requests created in the month.")
    amount = _money("Approved amounts of those requests that are granted (CNY).")


class LiabilityKpiSerializer(serializers.Serializer):
    liability = serializers.ChoiceField(choices=Liability.choices)
    count = serializers.IntegerField(
        min_value=0, help_text="Granted requests on the month's orders that this party bears."
    )
    amount = _money("Their approved amounts (CNY).")


class MerchantKpiSerializer(serializers.Serializer):
    merchant = serializers.CharField(help_text="The merchant's code.")
    name = serializers.CharField(help_text="The merchant's name.")
    orders = serializers.IntegerField(min_value=1, help_text="Orders placed in the month.")
    refunded_orders = serializers.IntegerField(
        min_value=0, help_text="Those orders with a granted request."
    )
    refund_rate = _share("refunded_orders / orders, 4 places.", allow_null=False)


class MonthlyKpiSerializer(serializers.Serializer):
    month = serializers.RegexField(MONTH_PATTERN, help_text="YYYY-MM (Asia/Shanghai).")
    orders = serializers.IntegerField(min_value=0, help_text="Orders placed in the month.")
    refund_requests = serializers.IntegerField(
        min_value=0, help_text="Refund requests created in the month."
    )
    refunded_orders = serializers.IntegerField(
        min_value=0,
        help_text="Orders placed in the month with an approved, refunded or payout_failed "
        "request: the numerator of refund_rate.",
    )
    refund_rate = _share(
        "refunded_orders / orders, 4 places; 0 when no order was placed.", allow_null=False
    )
    refund_amount = _money(
        "Sum of the approved amounts of the granted requests of the month's orders (CNY)."
    )
    resolved_requests = serializers.IntegerField(
        min_value=0, help_text="Requests refunded in the month (last payout succeeded in it)."
    )
    avg_resolution_hours = serializers.FloatField(
        allow_null=True,
        help_text="Mean hours from request created to last payout succeeded, over the "
        "requests refunded in the month; null when none.",
    )
    p90_resolution_hours = serializers.FloatField(
        allow_null=True,
        help_text="90th percentile (PERCENTILE_CONT, interpolated) of the same hours; "
        "null when none.",
    )
    decided_requests = serializers.IntegerField(
        min_value=0,
        help_text="Requests created in the month that are decided now (approved, rejected, "
        "refunded or payout_failed).",
    )
    auto_decided_share = _share(
        "Share of decided_requests that auto-review decided; null when none."
    )
    staff_decisions = serializers.IntegerField(
        min_value=0, help_text="Staff decisions made in the month."
    )
    review_sla_met_share = _share(
        "Share of staff_decisions made within the review SLA, the time waited for the "
        "customer not counted (an appeal's decision: by the appeal's review_due_at); "
        "null when none."
    )
    avg_customer_wait_hours = serializers.FloatField(
        min_value=0,
        allow_null=True,
        help_text="Mean hours waited for the customer's answers, over the requests created "
        "in the month that waited (customer_wait > 0), 2 places; null when none waited.",
    )
    satisfaction_avg = serializers.FloatField(
        min_value=1,
        max_value=5,
        allow_null=True,
        help_text="Mean rating (1..5) of the feedback given in the month, 2 places; "
        "null when none.",
    )
    satisfaction_count = serializers.IntegerField(
        min_value=0, help_text="Feedback given in the month."
    )
    by_reason = ReasonKpiSerializer(many=True, help_text="Most frequent reason first.")
    by_merchant = MerchantKpiSerializer(
        many=True, help_text="The 20 merchants with the highest refund rate."
    )
    by_liability = LiabilityKpiSerializer(
        many=True,
        help_text="Who bears the refund amount: merchant, courier and platform, each listed; "
        "the amounts add up to refund_amount.",
    )
