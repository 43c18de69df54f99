from decimal import Decimal
from typing import Any

from django.urls import reverse
from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts import roles
from orders.selectors import line_label
from orders.serializers import ORDER_NUMBER_PATTERN
from refundportal.api import MAX_ID, BuiltOnceModelSerializer, StrictSerializer

from .models import Evidence, Reason, RefundRequest
from .presenters import decision_note, timeline_note
from .selectors import can_appeal, can_give_feedback
from .services import MAX_PHOTOS, NOTE_MAX_LENGTH


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
    amount = serializers.DecimalField(
        max_digits=10, decimal_places=2, min_value=Decimal("0.01"), required=False
    )
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class NoteSerializer(StrictSerializer):
    note = serializers.CharField(max_length=NOTE_MAX_LENGTH)
    internal = serializers.BooleanField(
        required=False,
        default=True,
        help_text="Staff only when true (the default); otherwise the customer sees it too.",
    )


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
    outcome = serializers.ChoiceField(choices=["approved", "rejected", "pending_review"])
    amount = money_out()
    rule = serializers.CharField()
    message = serializers.CharField()
    breakdown = BreakdownLineSerializer(many=True)


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
    source = serializers.ChoiceField(choices=["auto", "agent"])  # type: ignore[assignment]
    rule = serializers.CharField(allow_blank=True)
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


class RiskSerializer(serializers.Serializer):
    score = serializers.IntegerField()
    level = serializers.CharField()
    flags = serializers.ListField(child=serializers.CharField())


_MONEY = money_out()
_WHEN = serializers.DateTimeField()


class RefundSerializer(BuiltOnceModelSerializer):
    order = serializers.CharField(source="order.number")
    breakdown = serializers.SerializerMethodField()
    decision = serializers.SerializerMethodField()
    items = serializers.SerializerMethodField()
    evidence = EvidenceSerializer(many=True)
    payouts = serializers.SerializerMethodField()
    timeline = serializers.SerializerMethodField()
    sla = serializers.SerializerMethodField()
    can_appeal = serializers.SerializerMethodField()
    can_give_feedback = serializers.SerializerMethodField()
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
            "can_appeal",
            "can_give_feedback",
            "created_at",
            "risk",
            "assignee",
        ]

    @extend_schema_field(BreakdownLineSerializer(many=True))
    def get_breakdown(self, obj: RefundRequest) -> list[dict[str, Any]]:
        decided = obj.approved_amount is not None
        rows = []
        for row in obj.items.all():
            line = {
                "line": row.line,
                "name": line_label(row.line, row.name),
                "quantity": row.quantity,
                "gross": str(row.gross),
                "discount_share": str(row.discount_share),
                "amount": str(row.amount),
            }
            if decided and row.approved_amount is not None:
                line["approved"] = str(row.approved_amount)
            rows.append(line)
        return rows

    @extend_schema_field(DecisionSerializer(allow_null=True))
    def get_decision(self, obj: RefundRequest) -> dict[str, Any] | None:
        if not obj.decision_source or obj.decided_at is None:
            return None
        return {
            "source": obj.decision_source,
            "rule": obj.decision_rule,
            "note": decision_note(obj),
            "at": timezone.localtime(obj.decided_at).isoformat(),
        }

    @extend_schema_field(RequestItemSerializer(many=True))
    def get_items(self, obj: RefundRequest) -> list[dict[str, Any]]:
        return [
            {"item": row.item_id, "quantity": row.quantity, "amount": str(row.amount)}
            for row in obj.items.all()
            if row.item_id is not None
        ]

    @extend_schema_field(PayoutSummarySerializer(many=True))
    def get_payouts(self, obj: RefundRequest) -> list[dict[str, Any]]:
        return [
            {"id": p.pk, "method": p.method, "amount": str(p.amount), "status": p.status}
            for p in sorted(obj.payouts.all(), key=lambda p: p.pk)
        ]

    @extend_schema_field(TimelineSerializer(many=True))
    def get_timeline(self, obj: RefundRequest) -> list[dict[str, Any]]:
        # Filtered here, not in the query: the timeline is prefetched (or
        # filled by ``as_filed``) for every reader alike.
        staff = self._is_staff()
        timeline = []
        for event in obj.timeline.all():
            if event.internal and not staff:
                continue  # Customers never see internal staff notes.
            step = {
                "at": timezone.localtime(event.at).isoformat(),
                "from_status": event.from_status or None,
                "to_status": event.to_status,
                "actor_role": event.actor_role,
                "note": timeline_note(event),
            }
            if staff:
                step["internal"] = event.internal
            timeline.append(step)
        return timeline

    def _is_staff(self) -> bool:
        request = self.context.get("request")
        return bool(request and roles.is_staff_role(request.user))

    @extend_schema_field(SlaSerializer)
    def get_sla(self, obj: RefundRequest) -> dict[str, Any]:
        return {
            "review_due_at": timezone.localtime(obj.review_due_at).isoformat(),
            "breached": obj.breached,
            "escalated": obj.escalated,
        }

    def get_can_appeal(self, obj: RefundRequest) -> bool:
        policy = self.context.get("policy")
        return can_appeal(obj, policy)

    def get_can_give_feedback(self, obj: RefundRequest) -> bool:
        return can_give_feedback(obj)

    @extend_schema_field(RiskSerializer)
    def get_risk(self, obj: RefundRequest) -> dict[str, Any]:
        return {"score": obj.risk_score, "level": obj.risk_level, "flags": list(obj.risk_flags)}

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_assignee(self, obj: RefundRequest) -> str | None:
        return obj.assignee.get_username() if obj.assignee else None

    def to_representation(self, instance: RefundRequest) -> dict[str, Any]:
        # Written out rather than field by field: this is the API's most read
        # object, and DRF would first copy every declared field (and the
        # nested evidence serializer) for each serializer it builds. A test
        # holds it equal to the field-by-field output for each kind of reader.
        obj = instance
        data: dict[str, Any] = {
            "id": obj.pk,
            "order": obj.order.number,
            "reason": obj.reason,
            "description": obj.description,
            "status": obj.status,
            "requested_amount": _MONEY.to_representation(obj.requested_amount),
            "approved_amount": None
            if obj.approved_amount is None
            else _MONEY.to_representation(obj.approved_amount),
            "breakdown": self.get_breakdown(obj),
            "decision": self.get_decision(obj),
            "items": self.get_items(obj),
            "evidence": self._evidence(obj),
            "payouts": self.get_payouts(obj),
            "timeline": self.get_timeline(obj),
            "sla": self.get_sla(obj),
            "can_appeal": self.get_can_appeal(obj),
            "can_give_feedback": self.get_can_give_feedback(obj),
            "created_at": _WHEN.to_representation(obj.created_at),
        }
        if self._is_staff():
            # Customers never see risk scores or who works their request.
            data["risk"] = self.get_risk(obj)
            data["assignee"] = self.get_assignee(obj)
        return data

    def _evidence(self, obj: RefundRequest) -> list[Any]:
        photos = list(obj.evidence.all())
        if not photos:
            return []
        return list(EvidenceSerializer(photos, many=True, context=self.context).data)
