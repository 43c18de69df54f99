from rest_framework import serializers

from refundportal.api import BuiltOnceModelSerializer, StrictSerializer

from .models import Payout, PayoutAttempt, SandboxLedgerEntry
from .presenters import error_text


class ErrorTextField(serializers.CharField):
    """A stored payout error, in the reader's language."""

    def to_representation(self, value: str) -> str:
        return error_text(value or "")


class PayoutSerializer(BuiltOnceModelSerializer):
    refund = serializers.IntegerField(source="refund_id")
    last_error = ErrorTextField(read_only=True)

    class Meta:
        model = Payout
        fields = [
            "id",
            "refund",
            "method",
            "amount",
            "status",
            "attempts",
            "last_error",
            "next_attempt_at",
            "gateway_reference",
            "idempotency_key",
            "created_at",
        ]


class AttemptSerializer(BuiltOnceModelSerializer):
    error = ErrorTextField(read_only=True)

    class Meta:
        model = PayoutAttempt
        fields = ["number", "started_at", "finished_at", "outcome", "error", "duration_ms"]


class PayoutDetailSerializer(PayoutSerializer):
    attempt_log = AttemptSerializer(many=True)
    rerouted_to = serializers.SerializerMethodField()

    class Meta(PayoutSerializer.Meta):
        fields = [*PayoutSerializer.Meta.fields, "account", "closed", "rerouted_to", "attempt_log"]

    def get_rerouted_to(self, payout: Payout) -> int | None:
        try:
            return payout.rerouted_to.pk
        except Payout.rerouted_to.RelatedObjectDoesNotExist:
            return None


class RerouteSerializer(StrictSerializer):
    method = serializers.ChoiceField(choices=["wallet"])
    note = serializers.CharField(max_length=1000)
    note_for_customer = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Show the note to the customer too; by default it is for staff only.",
    )


class LedgerSerializer(BuiltOnceModelSerializer):
    class Meta:
        model = SandboxLedgerEntry
        fields = ["idempotency_key", "method", "account", "amount", "outcome", "reference", "at"]
