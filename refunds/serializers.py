from datetime import datetime
from decimal import Decimal
from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts import roles
from orders.serializers import ORDER_NUMBER_PATTERN
from refundportal.api import MAX_ID, BuiltOnceModelSerializer, StrictSerializer

from .models import (
    DecisionSource,
    DisputeResolution,
    Evidence,
    Liability,
    Message,
    Reason,
    RefundRequest,
)
from .presenters import RefundView, breakdown_rows, decision_note, timeline_steps, view_of
from .selectors import can_appeal, can_give_feedback
from .services import MAX_PHOTOS, MESSAGE_MAX_LENGTH, NOTE_MAX_LENGTH
from .services.disputes import CONFIRM as DISPUTE_CONFIRM
from .services.disputes import MOVE as DISPUTE_MOVE
from .services.disputes import NOTE_MAX_LENGTH as DISPUTE_NOTE_MAX_LENGTH
from .statements import DISPUTE_STATES, dispute_closes_at, dispute_of, dispute_state
from .states import RefundStatus


def _local_iso(at: datetime | None) -> str | None:
    return timezone.localtime(at).isoformat() if at else None


def money_out() -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=12, decimal_places=2)


class RequestedItemSerializer(StrictSerializer):
    item = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    quantity = serializers.IntegerField(min_value=1, max_value=999)


class RefundCreateSerializer(StrictSerializer):
    order = serializers.RegexField(ORDER_NUMBER_PATTERN, help_text="The order's number.")
    reason = serializers.ChoiceField(choices=Reason.choices)
    description = serializers.CharField(
        max_length=2000, required=False, allow_blank=True, default=""
    )
    items = serializers.ListField(
        child=RequestedItemSerializer(), required=False, default=list, max_length=100
    )
    evidence = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID),
        required=False,
        default=list,
        max_length=MAX_PHOTOS,
    )


class AppealSerializer(StrictSerializer):
    reason = serializers.CharField(max_length=2000)
    evidence = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID),
        required=False,
        default=list,
        max_length=MAX_PHOTOS,
    )


class DecideSerializer(StrictSerializer):
    decision = serializers.ChoiceField(choices=["approve", "reject"])
    liability = serializers.ChoiceField(
        choices=Liability.choices,
        required=False,
        help_text="Who bears an approval, when not the default by cause (needs a note).",
    )
    amount = serializers.DecimalField(
        max_digits=10, decimal_places=2, min_value=Decimal("0.01"), required=False
    )
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class MerchantResponseSerializer(StrictSerializer):
    decision = serializers.ChoiceField(choices=["approve", "refuse"])
    amount = serializers.DecimalField(
        max_digits=10,
        decimal_places=2,
        min_value=Decimal("0.01"),
        required=False,
        help_text="Below the requested amount: a partial approval, which needs a note.",
    )
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class NoteSerializer(StrictSerializer):
    note = serializers.CharField(max_length=NOTE_MAX_LENGTH)
    internal = serializers.BooleanField(
        required=False,
        default=True,
        help_text="Staff only when true (the default); otherwise the customer sees it too.",
    )


class MessageCreateSerializer(StrictSerializer):
    body = serializers.CharField(max_length=MESSAGE_MAX_LENGTH)
    evidence = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID),
        required=False,
        default=list,
        max_length=MAX_PHOTOS,
        help_text="Ids of photos uploaded with `POST /evidence/`; 6 per request in all.",
    )
    awaiting_customer = serializers.BooleanField(
        required=False,
        default=False,
        help_text=(
            "Agents only, on a request under review: ask the customer and wait for the "
            "answer (status `awaiting_customer`; the review clock stops)."
        ),
    )


class MessageSerializer(serializers.ModelSerializer):
    author_role = serializers.CharField()
    evidence = serializers.SerializerMethodField()

    class Meta:
        model = Message
        fields = ["id", "at", "author_role", "body", "evidence"]

    @extend_schema_field(serializers.ListField(child=serializers.IntegerField()))
    def get_evidence(self, message: Message) -> list[int]:
        return [photo.pk for photo in message.evidence.all()]


class FeedbackSerializer(StrictSerializer):
    rating = serializers.IntegerField(min_value=1, max_value=5)
    comment = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class BreakdownLineSerializer(serializers.Serializer):
    line = serializers.CharField(help_text="The item's id, or delivery_fee / packaging_fee.")
    name = serializers.CharField()
    quantity = serializers.IntegerField()
    gross = money_out()
    discount_share = money_out()
    amount = money_out()
    approved = serializers.DecimalField(
        max_digits=12,
        decimal_places=2,
        required=False,
        help_text=(
            "Once a decision approves an amount: this line's share of it (largest "
            "remainder); the rows' shares add up to the approved amount."
        ),
    )


class PreviewSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(
        choices=[RefundStatus.APPROVED, RefundStatus.REJECTED, RefundStatus.PENDING_REVIEW]
    )
    amount = money_out()
    rule = serializers.CharField()
    message = serializers.CharField()
    breakdown = BreakdownLineSerializer(many=True)


class EvidenceUploadSerializer(serializers.Serializer):
    """The upload's body: one photo (JPEG, PNG or WebP) in the field `file`."""

    file = serializers.FileField()


class EvidenceSerializer(BuiltOnceModelSerializer):
    url = serializers.SerializerMethodField()

    class Meta:
        model = Evidence
        fields = ["id", "content_type", "size", "width", "height", "sha256", "url"]

    def get_url(self, evidence: Evidence) -> str:
        path = reverse("evidence-file", args=[evidence.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path


class DecisionSerializer(serializers.Serializer):
    source = serializers.ChoiceField(choices=DecisionSource.choices)  # type: ignore[assignment]
    rule = serializers.CharField(
        allow_null=True, help_text="The rule that decided (`R1`, `M1`...); null for a person."
    )
    note = serializers.CharField(allow_blank=True)
    at = serializers.DateTimeField()


class RequestItemSerializer(serializers.Serializer):
    item = serializers.IntegerField()
    quantity = serializers.IntegerField()
    amount = money_out()


class PayoutSummarySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    method = serializers.CharField()
    amount = money_out()
    status = serializers.CharField()


class TimelineSerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    from_status = serializers.CharField(allow_null=True)
    to_status = serializers.CharField()
    actor_role = serializers.CharField()
    note = serializers.CharField(allow_blank=True)
    internal = serializers.BooleanField(
        required=False, help_text="Staff only: whether the customer is kept from seeing the note."
    )


class SlaSerializer(serializers.Serializer):
    review_due_at = serializers.DateTimeField()
    breached = serializers.BooleanField()
    escalated = serializers.BooleanField()


class WaitingSerializer(serializers.Serializer):
    since = serializers.DateTimeField(help_text="Since when (the review clock stands still).")
    reply_due_at = serializers.DateTimeField(
        help_text="Without the customer's answer by then, the request is rejected."
    )


class NudgeSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    last_at = serializers.DateTimeField(allow_null=True)


class RiskSerializer(serializers.Serializer):
    score = serializers.IntegerField()
    level = serializers.CharField()
    flags = serializers.ListField(child=serializers.CharField())


class RefundSerializer(BuiltOnceModelSerializer):
    order = serializers.CharField(source="order.number")
    breakdown = serializers.SerializerMethodField()
    decision = serializers.SerializerMethodField()
    items = serializers.SerializerMethodField()
    evidence = EvidenceSerializer(many=True)
    payouts = serializers.SerializerMethodField()
    timeline = serializers.SerializerMethodField()
    sla = serializers.SerializerMethodField()
    waiting = serializers.SerializerMethodField()
    nudges = serializers.SerializerMethodField()
    can_appeal = serializers.SerializerMethodField()
    can_give_feedback = serializers.SerializerMethodField()
    liability = serializers.ChoiceField(
        choices=Liability.choices,
        allow_blank=True,
        help_text="Staff only: who bears the approved amount (blank before an approval).",
    )
    risk = serializers.SerializerMethodField(help_text="Staff only.")
    assignee = serializers.SerializerMethodField(help_text="Staff only.")

    class Meta:
        model = RefundRequest
        fields = [
            "id",
            "order",
            "reason",
            "description",
            "status",
            "requested_amount",
            "approved_amount",
            "breakdown",
            "decision",
            "items",
            "evidence",
            "payouts",
            "timeline",
            "sla",
            "waiting",
            "nudges",
            "can_appeal",
            "can_give_feedback",
            "created_at",
            "risk",
            "assignee",
            "liability",
        ]

    # Each method reads a ``RefundView``: the request with its rows in hand.

    @extend_schema_field(BreakdownLineSerializer(many=True))
    def get_breakdown(self, view: RefundView) -> list[dict[str, Any]]:
        return [row.as_api() for row in breakdown_rows(view)]

    @extend_schema_field(DecisionSerializer(allow_null=True))
    def get_decision(self, view: RefundView) -> dict[str, Any] | None:
        refund = view.request
        if not refund.decision_source or refund.decided_at is None:
            return None
        return {
            "source": refund.decision_source,
            "rule": refund.decision_rule or None,
            "note": decision_note(view),
            "at": timezone.localtime(refund.decided_at).isoformat(),
        }

    @extend_schema_field(RequestItemSerializer(many=True))
    def get_items(self, view: RefundView) -> list[dict[str, Any]]:
        return [
            {"item": row.item_id, "quantity": row.quantity, "amount": str(row.amount)}
            for row in view.items
            if row.item_id is not None
        ]

    @extend_schema_field(PayoutSummarySerializer(many=True))
    def get_payouts(self, view: RefundView) -> list[dict[str, Any]]:
        return [
            {"id": p.pk, "method": p.method, "amount": str(p.amount), "status": p.status}
            for p in view.payouts
        ]

    @extend_schema_field(TimelineSerializer(many=True))
    def get_timeline(self, view: RefundView) -> list[dict[str, Any]]:
        staff = self._is_staff()
        return [step.as_api(staff=staff) for step in timeline_steps(view, staff=staff)]

    def to_representation(self, instance: RefundRequest | RefundView) -> dict[str, Any]:
        data = super().to_representation(view_of(instance))
        if not self._is_staff():
            # Customers and merchants never see risk scores, who works the
            # request, or who bears it.
            del data["risk"], data["assignee"], data["liability"]
        return data

    def _is_staff(self) -> bool:
        request = self.context.get("request")
        return bool(request and roles.is_staff_role(request.user))

    @extend_schema_field(SlaSerializer)
    def get_sla(self, view: RefundView) -> dict[str, Any]:
        refund = view.request
        return {
            "review_due_at": timezone.localtime(refund.review_due_at).isoformat(),
            "breached": refund.breached,
            "escalated": refund.escalated,
        }

    @extend_schema_field(WaitingSerializer(allow_null=True))
    def get_waiting(self, view: RefundView) -> dict[str, Any] | None:
        """While the request waits for its customer's answer."""
        refund = view.request
        if refund.status != RefundStatus.AWAITING_CUSTOMER or not refund.awaiting_since:
            return None
        return {
            "since": _local_iso(refund.awaiting_since),
            "reply_due_at": _local_iso(refund.customer_reply_due_at),
        }

    @extend_schema_field(NudgeSerializer)
    def get_nudges(self, view: RefundView) -> dict[str, Any]:
        refund = view.request
        return {"count": refund.nudge_count, "last_at": _local_iso(refund.nudged_at)}

    def get_can_appeal(self, view: RefundView) -> bool:
        return can_appeal(view.request, self.context.get("policy"), appealed=view.appealed)

    def get_can_give_feedback(self, view: RefundView) -> bool:
        return can_give_feedback(view.request, rated=view.rated)

    @extend_schema_field(RiskSerializer)
    def get_risk(self, view: RefundView) -> dict[str, Any]:
        refund = view.request
        return {
            "score": refund.risk_score,
            "level": refund.risk_level,
            "flags": list(refund.risk_flags),
        }

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_assignee(self, view: RefundView) -> str | None:
        assignee = view.request.assignee
        return assignee.get_username() if assignee else None


# --- Who pays: the merchant's statement and disputes ------------------------------


class DisputeCreateSerializer(StrictSerializer):
    note = serializers.CharField(
        max_length=DISPUTE_NOTE_MAX_LENGTH,
        help_text="Why the merchant should not bear this refund; senior agents read it.",
    )


class DisputeResolveSerializer(StrictSerializer):
    decision = serializers.ChoiceField(
        choices=[DISPUTE_CONFIRM, DISPUTE_MOVE],
        help_text="`confirm`: the merchant bears it; `move`: someone else does.",
    )
    liability = serializers.ChoiceField(
        choices=[Liability.COURIER, Liability.PLATFORM],
        required=False,
        help_text="Who bears it instead; required with `move`.",
    )
    note = serializers.CharField(
        max_length=DISPUTE_NOTE_MAX_LENGTH, help_text="The merchant reads it."
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs["decision"] == DISPUTE_MOVE and not attrs.get("liability"):
            raise serializers.ValidationError(
                {"liability": [_("Moving a charge needs who bears it instead.")]}
            )
        return attrs


class DisputeSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    request = serializers.IntegerField(source="request_id", help_text="The refund request.")
    order = serializers.CharField(source="request.order.number")
    merchant = serializers.CharField(source="request.order.merchant.code")
    merchant_name = serializers.CharField(source="request.order.merchant.name")
    amount = serializers.DecimalField(
        source="request.approved_amount", max_digits=12, decimal_places=2, help_text="CNY"
    )
    liability = serializers.ChoiceField(
        source="request.liability",
        choices=Liability.choices,
        help_text="Who bears the refund now.",
    )
    merchant_user = serializers.CharField(source="merchant_user.username")
    note = serializers.CharField(help_text="The merchant's reason.")
    created_at = serializers.DateTimeField()
    resolved_at = serializers.DateTimeField(allow_null=True)
    resolved_by = serializers.CharField(
        source="resolved_by.username", allow_null=True, default=None
    )
    resolution = serializers.ChoiceField(
        choices=DisputeResolution.choices, allow_blank=True, help_text="Blank while open."
    )
    new_liability = serializers.ChoiceField(
        choices=Liability.choices, allow_blank=True, help_text="Set when moved."
    )
    resolution_note = serializers.CharField(help_text="The senior agent's note.")


class StatementDisputeSerializer(serializers.Serializer):
    note = serializers.CharField()
    created_at = serializers.DateTimeField()
    resolution = serializers.ChoiceField(choices=DisputeResolution.choices, allow_blank=True)
    new_liability = serializers.ChoiceField(choices=Liability.choices, allow_blank=True)
    resolution_note = serializers.CharField()
    resolved_at = serializers.DateTimeField(allow_null=True)


class StatementRowSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk", help_text="The refund request.")
    order = serializers.CharField(source="order.number")
    merchant = serializers.CharField(source="order.merchant.code")
    reason = serializers.ChoiceField(choices=Reason.choices)
    decided_at = serializers.DateTimeField()
    decision_source = serializers.ChoiceField(choices=DecisionSource.choices)
    amount = serializers.DecimalField(
        source="approved_amount", max_digits=12, decimal_places=2, help_text="CNY"
    )
    dispute_state = serializers.SerializerMethodField()
    dispute_closes_at = serializers.SerializerMethodField()
    dispute = serializers.SerializerMethodField()

    @extend_schema_field(serializers.ChoiceField(choices=list(DISPUTE_STATES)))
    def get_dispute_state(self, refund: RefundRequest) -> str:
        return dispute_state(refund)

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_dispute_closes_at(self, refund: RefundRequest) -> str | None:
        return _local_iso(dispute_closes_at(refund))

    @extend_schema_field(StatementDisputeSerializer(allow_null=True))
    def get_dispute(self, refund: RefundRequest) -> dict[str, Any] | None:
        dispute = dispute_of(refund)
        return None if dispute is None else dict(StatementDisputeSerializer(dispute).data)


class StatementSerializer(serializers.Serializer):
    month = serializers.CharField(help_text="YYYY-MM (Asia/Shanghai).")
    count = serializers.IntegerField(min_value=0)
    total = serializers.DecimalField(
        max_digits=14, decimal_places=2, help_text="The sum of the rows' amounts (CNY)."
    )
    rows = StatementRowSerializer(many=True)
