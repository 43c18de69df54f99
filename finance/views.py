import csv
import io
from typing import Any

from django.http import HttpResponse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.permissions import IsFinance, IsFinanceOrManager
from accounts.users import signed_in
from audit import actions as audit_actions
from audit.services import audit_record
from payouts.filters import LedgerFilter, PayoutFilter
from payouts.models import Payout, SandboxLedgerEntry
from payouts.presenters import error_text
from payouts.serializers import (
    LedgerSerializer,
    PayoutDetailSerializer,
    PayoutSerializer,
    RerouteSerializer,
)
from refundportal.spreadsheets import CSVOnly, CSVRenderer, ErrorsAsJSON
from refundportal.spreadsheets import row as text_row
from refunds import services


@extend_schema(tags=["payouts"])
class PayoutViewSet(
    ErrorsAsJSON,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Payouts of approved refunds, for finance and managers."""

    lookup_value_regex = r"\d+"

    def get_permissions(self) -> list[Any]:
        if self.action in ("retry", "reroute", "export"):
            return [IsFinance()]
        return [IsFinanceOrManager()]

    def get_serializer_class(self) -> Any:
        return PayoutDetailSerializer if self.action == "retrieve" else PayoutSerializer

    def get_queryset(self) -> Any:
        if self.action == "retrieve":
            return Payout.objects.select_related("refund").prefetch_related(
                "attempt_log", "rerouted_to"
            )
        if self.action in ("list", "export"):
            return Payout.objects.select_related("refund")
        return Payout.objects.all()

    @property
    def filterset_class(self) -> Any:
        # The list's and the export's filters only.
        return PayoutFilter if self.action in ("list", "export") else None

    @extend_schema(request=None, responses={202: PayoutSerializer})
    @action(detail=True, methods=["post"])
    def retry(self, request: Request, pk: str | None = None) -> Response:
        payout = services.payout_retry(payout=self.get_object(), actor=signed_in(request.user))
        return Response(PayoutSerializer(payout).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(request=RerouteSerializer, responses={201: PayoutSerializer})
    @action(detail=True, methods=["post"])
    def reroute(self, request: Request, pk: str | None = None) -> Response:
        payout = self.get_object()
        incoming = RerouteSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        new = services.payout_reroute(
            payout=payout,
            actor=signed_in(request.user),
            method=incoming.validated_data["method"],
            note=incoming.validated_data["note"],
            note_for_customer=incoming.validated_data["note_for_customer"],
        )
        return Response(PayoutSerializer(new).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        responses={
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="CSV, UTF-8 with BOM")
        },
        description="The payouts as CSV (UTF-8 with a BOM); errors answer the JSON envelope.",
    )
    @action(
        detail=False,
        methods=["get"],
        renderer_classes=[CSVRenderer],
        content_negotiation_class=CSVOnly,
    )
    def export(self, request: Request) -> HttpResponse:
        rows = (
            self.filter_queryset(self.get_queryset())
            .select_related("refund__order")
            .order_by("created_at", "id")
        )
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(
            [
                "id",
                "refund",
                "order",
                "method",
                "amount",
                "status",
                "attempts",
                "last_error",
                "gateway_reference",
                "idempotency_key",
                "created_at",
            ]
        )
        count = 0
        for p in rows.iterator(chunk_size=2000):
            count += 1
            writer.writerow(
                text_row(
                    [
                        p.pk,
                        p.refund_id,
                        p.refund.order.number,
                        p.get_method_display(),
                        p.amount,
                        p.status,
                        p.attempts,
                        error_text(p.last_error),
                        p.gateway_reference or "",
                        p.idempotency_key,
                        timezone.localtime(p.created_at).isoformat(timespec="seconds"),
                    ]
                )
            )
        audit_record(
            action=audit_actions.PAYOUTS_EXPORTED,
            actor=signed_in(request.user),
            facts={
                "rows": count,
                "filters": {
                    name: request.query_params[name][:40]
                    for name in PayoutFilter.base_filters
                    if request.query_params.get(name)
                },
            },
        )
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        response = HttpResponse(
            "\ufeff" + buffer.getvalue(), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = f'attachment; filename="payouts-{stamp}.csv"'
        return response


@extend_schema(tags=["payouts"])
class SandboxLedgerViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """The sandbox gateways' ledger: every call they answered."""

    permission_classes = [IsFinance]
    serializer_class = LedgerSerializer
    filterset_class = LedgerFilter

    def get_queryset(self) -> Any:
        return SandboxLedgerEntry.objects.order_by("-at", "-id")
