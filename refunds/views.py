from typing import Any

from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.generics import ListAPIView
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle, UserRateThrottle
from rest_framework.views import APIView

from accounts import roles
from accounts.permissions import IsCustomer, IsReviewer, IsSeniorAgent, IsStaff
from accounts.users import signed_in
from orders import views as order_views
from orders.selectors import Claim, merchant_ids_of
from refundportal.api import ApplicationError
from refundportal.months import SCHEMA_MONTH_PATTERN, Month
from refundportal.spreadsheets import CSVOnly, CSVRenderer, ErrorsAsJSON

from . import services
from .evidence import UploadThrottle, process_photo
from .filters import (
    QUEUE_STATUSES,
    DisputeFilter,
    MerchantRefundFilter,
    RefundFilter,
    ReviewQueueFilter,
)
from .models import Evidence, RefundPolicy, RefundRequest
from .presenters import assessed_rows
from .selectors import (
    claims_for_orders,
    conversation,
    merchant_refunds,
    refund_queryset_for,
    review_queue,
)
from .serializers import (
    AppealSerializer,
    DecideSerializer,
    DisputeCreateSerializer,
    DisputeResolveSerializer,
    DisputeSerializer,
    EvidenceSerializer,
    EvidenceUploadSerializer,
    FeedbackSerializer,
    MerchantResponseSerializer,
    MessageCreateSerializer,
    MessageSerializer,
    NoteSerializer,
    PreviewSerializer,
    RefundCreateSerializer,
    RefundSerializer,
    StatementSerializer,
)
from .statements import merchant_statement, open_disputes, statement_csv, statement_filename
from .states import RefundStatus


def lazy_policy() -> Any:
    """The policy row, read on first use: only ``can_appeal`` on a rejected
    request needs it, so most responses run one query fewer."""
    return SimpleLazyObject(RefundPolicy.current)


class CanReadRefunds(BasePermission):
    """Customers (their own), staff (all), merchants' staff (their orders')."""

    def has_permission(self, request: Any, view: Any) -> bool:
        return roles.has_role(request.user, roles.CUSTOMER, roles.MERCHANT, *roles.STAFF_ROLES)


class IsMerchant(BasePermission):
    """A merchant user who works for at least one merchant."""

    def has_permission(self, request: Any, view: Any) -> bool:
        if not roles.has_role(request.user, roles.MERCHANT):
            return False
        if not merchant_ids_of(request.user):
            self.message = _(
                "Your account works for no merchant yet; ask the platform to link it to your "
                "restaurant."
            )
            return False
        return True


class FilingThrottle(ScopedRateThrottle):
    pass


@extend_schema(tags=["refunds"])
class RefundViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Refund requests: customers file and follow their own; staff read all."""

    serializer_class = RefundSerializer

    def get_permissions(self) -> list[Any]:
        if self.action in ("create", "preview", "cancel", "appeal", "feedback", "nudge"):
            return [IsCustomer()]
        if self.action in ("claim", "decide"):
            return [IsReviewer()]
        if self.action in ("merchant_response", "dispute"):
            return [IsMerchant()]
        if self.action == "dispute_resolve":
            return [IsSeniorAgent()]
        if self.action == "notes":
            return [IsStaff()]
        return [CanReadRefunds()]

    def get_throttles(self) -> list[Any]:
        throttles = list(super().get_throttles())
        if self.action == "create":
            self.throttle_scope = "filing"
            throttles.append(FilingThrottle())
        return throttles

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):
            # The schema generator asks with nobody signed in.
            return RefundRequest.objects.none()
        qs = refund_queryset_for(self.request.user)
        if self.action in ("merchant_response", "dispute"):
            # Their merchants' requests only, even for a user with a staff role.
            qs = qs.filter(order__merchant_id__in=merchant_ids_of(self.request.user))
        if self.action in ("cancel", "appeal", "feedback", "nudge"):
            # The customer's own requests only, even for one who also holds a
            # staff role and so may read every request.
            qs = qs.filter(customer_id=self.request.user.pk)
        return qs

    @property
    def filterset_class(self) -> Any:
        # The list's filters only: a detail or an action reads no query.
        return RefundFilter if self.action == "list" else None

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "policy": lazy_policy()}

    def _respond(self, request_id: int, code: int = status.HTTP_200_OK) -> Response:
        refund = refund_queryset_for(self.request.user).get(pk=request_id)
        return Response(self.get_serializer(refund).data, status=code)

    @extend_schema(
        request=RefundCreateSerializer,
        responses={201: RefundSerializer},
        description=(
            "File a request; auto-review decides at once. Refusals: 400 `not_refundable`, "
            "`window_closed`, `too_early` (with `available_at`), `evidence_required`; "
            "409 `request_open`."
        ),
    )
    def create(self, request: Request) -> Response:
        incoming = RefundCreateSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        filed = services.refund_file(
            customer=signed_in(request.user),
            order_number=data["order"],
            reason=data["reason"],
            description=data["description"],
            items=data["items"],
            evidence_ids=data["evidence"],
        )
        # Answered from the rows the filing wrote: nothing is read back.
        return Response(self.get_serializer(filed.shown()).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=RefundCreateSerializer,
        responses={200: PreviewSerializer},
        description="What filing would decide now; nothing is stored.",
    )
    @action(detail=False, methods=["post"])
    def preview(self, request: Request) -> Response:
        incoming = RefundCreateSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        assessment = services.refund_preview(
            customer=signed_in(request.user),
            order_number=data["order"],
            reason=data["reason"],
            items=data["items"],
            evidence_ids=data["evidence"],
        )
        decision = assessment.decision
        return Response(
            {
                "outcome": decision.outcome,
                # What filing stores: the approved amount, else the requested
                # one (a late delivery held for review proposes a share, but
                # the request is for what it names).
                "amount": str(
                    decision.amount
                    if decision.outcome == RefundStatus.APPROVED
                    else assessment.amount
                ),
                "rule": decision.rule,
                "message": assessment.message,
                "breakdown": [row.as_api() for row in assessed_rows(assessment)],
            }
        )

    @extend_schema(request=None, responses={200: RefundSerializer})
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str | None = None) -> Response:
        refund = self.get_object()
        services.refund_cancel(request=refund, customer=signed_in(request.user))
        return self._respond(refund.pk)

    @extend_schema(request=AppealSerializer, responses={200: RefundSerializer})
    @action(detail=True, methods=["post"])
    def appeal(self, request: Request, pk: str | None = None) -> Response:
        refund = self.get_object()
        incoming = AppealSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        services.refund_appeal(
            request=refund,
            customer=signed_in(request.user),
            reason=incoming.validated_data["reason"],
            evidence_ids=incoming.validated_data["evidence"],
        )
        return self._respond(refund.pk)

    @extend_schema(request=FeedbackSerializer, responses={201: RefundSerializer})
    @action(detail=True, methods=["post"])
    def feedback(self, request: Request, pk: str | None = None) -> Response:
        refund = self.get_object()
        incoming = FeedbackSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        services.refund_feedback(
            request=refund,
            customer=signed_in(request.user),
            rating=incoming.validated_data["rating"],
            comment=incoming.validated_data["comment"],
        )
        return self._respond(refund.pk, status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: RefundSerializer})
    @action(detail=True, methods=["post"])
    def claim(self, request: Request, pk: str | None = None) -> Response:
        """Assign the request to me for 15 minutes (claiming again renews)."""
        refund = self.get_object()
        services.refund_claim(refund=refund, agent=signed_in(request.user))
        return self._respond(refund.pk)

    @extend_schema(request=DecideSerializer, responses={200: RefundSerializer})
    @action(detail=True, methods=["post"])
    def decide(self, request: Request, pk: str | None = None) -> Response:
        """Approve (in full, or in part with a note) or reject (with a note)."""
        refund = self.get_object()
        incoming = DecideSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        services.refund_decide(
            refund=refund,
            agent=signed_in(request.user),
            decision=data["decision"],
            note=data["note"],
            amount=data.get("amount"),
            liability=data.get("liability"),
        )
        return self._respond(refund.pk)

    @extend_schema(
        request=NoteSerializer,
        responses={201: RefundSerializer},
        description=(
            "Add a staff note to the timeline; the status does not change. An `internal` "
            "note (the default) is never shown to the customer."
        ),
    )
    @action(detail=True, methods=["post"])
    def notes(self, request: Request, pk: str | None = None) -> Response:
        refund = self.get_object()
        incoming = NoteSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        services.refund_note_add(
            refund=refund,
            author=signed_in(request.user),
            note=incoming.validated_data["note"],
            internal=incoming.validated_data["internal"],
        )
        return self._respond(refund.pk, status.HTTP_201_CREATED)

    @extend_schema(
        methods=["GET"],
        request=None,
        responses={200: MessageSerializer(many=True)},
        description=(
            "The request's conversation, oldest first: the customer who filed it and staff "
            "read it. Staff notes marked internal are on the timeline, never here."
        ),
    )
    @extend_schema(
        methods=["POST"],
        request=MessageCreateSerializer,
        responses={201: MessageSerializer},
        description=(
            "Write on the request's conversation (1-2,000 characters, photos counted in the "
            "request's 6). An agent's message with `awaiting_customer: true` on a request "
            "under review moves it to `awaiting_customer` (409 `conflict` in any other status; "
            "400 `validation_error` from anyone but an agent); the customer's answer moves it "
            "back. A closed request (refunded, rejected, cancelled) answers 409 `conflict`."
        ),
    )
    @action(detail=True, methods=["get", "post"], serializer_class=MessageSerializer)
    def messages(self, request: Request, pk: str | None = None) -> Response:
        refund = self.get_object()
        if request.method == "POST":
            incoming = MessageCreateSerializer(data=request.data)
            incoming.is_valid(raise_exception=True)
            data = incoming.validated_data
            message = services.refund_message_post(
                refund=refund,
                author=signed_in(request.user),
                body=data["body"],
                evidence_ids=data["evidence"],
                awaiting_customer=data["awaiting_customer"],
            )
            return Response(MessageSerializer(message).data, status=status.HTTP_201_CREATED)
        page = self.paginate_queryset(conversation(refund))
        return self.get_paginated_response(MessageSerializer(page, many=True).data)

    @extend_schema(
        request=MerchantResponseSerializer,
        responses={200: RefundSerializer},
        description=(
            "The merchant's answer to a request waiting for it (`awaiting_merchant`): approve "
            "(in full, or in part with a note: decision source `merchant`, paid at once) or "
            "refuse with a note (the request goes to the agents' queue). Any other status, or "
            "after the due time: 409 `conflict`."
        ),
    )
    @action(detail=True, methods=["post"], url_path="merchant-response")
    def merchant_response(self, request: Request, pk: str | None = None) -> Response:
        refund = self.get_object()
        incoming = MerchantResponseSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        services.refund_merchant_respond(
            refund=refund,
            merchant_user=signed_in(request.user),
            decision=data["decision"],
            note=data["note"],
            amount=data.get("amount"),
        )
        return self._respond(refund.pk)

    @extend_schema(
        request=None,
        responses={200: RefundSerializer},
        description=(
            "Hurry a request waiting for a decision (催办): it moves up the queue and whoever "
            "holds it is told. At most once every 2 hours (a policy setting): else 429 "
            "`throttled` with `retry_after` in seconds."
        ),
    )
    @action(detail=True, methods=["post"])
    def nudge(self, request: Request, pk: str | None = None) -> Response:
        refund = self.get_object()
        services.refund_nudge(refund=refund, customer=signed_in(request.user))
        return self._respond(refund.pk)

    @extend_schema(
        request=DisputeCreateSerializer,
        responses={201: DisputeSerializer},
        description=(
            "Dispute a charge on the merchant's statement (a request whose liability is "
            "`merchant`): once, within 7 days of the decision, else 409 `conflict`. Senior "
            "agents are told; the customer's refund is not touched."
        ),
    )
    @action(detail=True, methods=["post"])
    def dispute(self, request: Request, pk: str | None = None) -> Response:
        refund = self.get_object()
        incoming = DisputeCreateSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        dispute = services.refund_dispute(
            refund=refund,
            merchant_user=signed_in(request.user),
            note=incoming.validated_data["note"],
        )
        return Response(DisputeSerializer(dispute).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=DisputeResolveSerializer,
        responses={200: DisputeSerializer},
        description=(
            "A senior agent's answer to an open dispute: `confirm` the charge, or `move` it to "
            "the courier or the platform; the note is required and the merchant reads it. "
            "Only the request's liability changes, never its amounts or payouts. No open "
            "dispute: 409 `conflict`."
        ),
    )
    @action(detail=True, methods=["post"], url_path="dispute/resolve")
    def dispute_resolve(self, request: Request, pk: str | None = None) -> Response:
        refund = self.get_object()
        incoming = DisputeResolveSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        dispute = services.dispute_resolve(
            refund=refund,
            agent=signed_in(request.user),
            decision=data["decision"],
            note=data["note"],
            liability=data.get("liability"),
        )
        return Response(DisputeSerializer(dispute).data)


def queue_status(params: Any) -> str:
    """``?status=``, ``pending_review`` when absent, blank or not a queue's
    (the filter set refuses that with 400)."""
    text = params.get("status")
    return str(text) if text in QUEUE_STATUSES else RefundStatus.PENDING_REVIEW


@extend_schema(tags=["review"])
class ReviewQueueView(ListAPIView):
    """Requests waiting for a decision: escalated first, then the most urgent
    review time. Agents see the ones that are not escalated; senior agents
    see all."""

    permission_classes = [IsReviewer]
    serializer_class = RefundSerializer
    filterset_class = ReviewQueueFilter

    def get_queryset(self) -> Any:
        # The filters (reason, escalated, assignee) are the filter set's.
        status = queue_status(self.request.query_params)
        return review_queue(self.request.user, {}, status=status)

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "policy": lazy_policy()}


@extend_schema(tags=["refunds"])
class EvidenceUploadView(APIView):
    """Upload one photo (JPEG, PNG or WebP, at most 10 MB and 40 megapixels)."""

    permission_classes = [IsCustomer]
    parser_classes = [MultiPartParser]
    throttle_classes = [UserRateThrottle, UploadThrottle]

    @extend_schema(
        request={"multipart/form-data": EvidenceUploadSerializer},
        responses={201: EvidenceSerializer},
    )
    def post(self, request: Request) -> Response:
        upload = request.FILES.get("file")
        if upload is None:
            raise ApplicationError(
                "validation_error",
                "file: a photo is required.",
                fields={"file": ["A photo is required."]},
            )
        photo = process_photo(upload, upload.size or 0)
        evidence = services.evidence_store(owner=signed_in(request.user), photo=photo)
        return Response(
            EvidenceSerializer(evidence, context={"request": request}).data,
            status=status.HTTP_201_CREATED,
        )


# The photo's bytes as stored: JPEG, PNG or WebP (``process_photo`` keeps
# no other format).
PHOTO_MEDIA_TYPES = ("image/jpeg", "image/png", "image/webp")


@extend_schema(
    tags=["refunds"],
    responses={
        (200, media_type): OpenApiResponse(OpenApiTypes.BINARY, description="The photo")
        for media_type in PHOTO_MEDIA_TYPES
    },
)
class EvidenceFileView(APIView):
    """The photo itself, for its owner and staff only. A photo whose file is
    gone (purged, or lost from the disk) answers 404 `file_missing`."""

    permission_classes = [CanReadRefunds]

    def get(self, request: Request, pk: int) -> Any:
        evidence = get_object_or_404(Evidence.objects.select_related("request__order"), pk=pk)
        if not (
            roles.is_staff_role(request.user)
            or evidence.owner_id == request.user.pk
            or _merchant_sees(request.user, evidence)
        ):
            raise Http404
        try:
            stored = evidence.file.open("rb")
        except (FileNotFoundError, ValueError) as exc:
            # ValueError: the row names no file at all.
            raise ApplicationError(
                "file_missing",
                str(_("The photo's file is no longer stored.")),
                status.HTTP_404_NOT_FOUND,
            ) from exc
        response = FileResponse(stored, content_type=evidence.content_type)
        response["Cache-Control"] = "private, max-age=3600"
        response["X-Content-Type-Options"] = "nosniff"
        return response


def _merchant_sees(user: Any, evidence: Evidence) -> bool:
    """A merchant's staff see the photos of the requests on their orders."""
    return (
        evidence.request is not None
        and roles.has_role(user, roles.MERCHANT)
        and evidence.request.order.merchant_id in merchant_ids_of(user)
    )


@extend_schema(tags=["merchant"])
class MerchantRefundListView(ListAPIView):
    """The requests on the orders of my merchants: those waiting for my
    answer first, the soonest due first; then the newest. Without risk."""

    permission_classes = [IsMerchant]
    serializer_class = RefundSerializer
    filterset_class = MerchantRefundFilter

    def get_queryset(self) -> Any:
        return merchant_refunds(self.request.user)

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "policy": lazy_policy()}


class OrderViewSet(order_views.OrderViewSet):
    """Orders from the ordering system; a customer reads only their own."""

    # The orders API as served: with what refund requests hold on each line.
    def line_claims(self, order_ids: list[int]) -> dict[int, dict[str, Claim]]:
        return claims_for_orders(order_ids)


MONTH_PARAMETER = OpenApiParameter(
    "month",
    str,
    required=True,
    pattern=SCHEMA_MONTH_PATTERN,
    description="YYYY-MM, Asia/Shanghai: the month the refunds were decided in.",
)


def required_month(params: Any) -> Month:
    """``?month=YYYY-MM``; 400 ``validation_error`` when absent or malformed."""
    return Month.parse(params.get("month") or "")


@extend_schema(tags=["merchant"], parameters=[MONTH_PARAMETER])
class MerchantStatementView(APIView):
    """The refunds charged to my merchants in a month (liability `merchant`,
    decided in the month, granted), with their count and exact total."""

    permission_classes = [IsMerchant]

    @extend_schema(responses={200: StatementSerializer})
    def get(self, request: Request) -> Response:
        statement = merchant_statement(request.user, required_month(request.query_params))
        return Response(StatementSerializer(statement).data)


@extend_schema(tags=["merchant"], parameters=[MONTH_PARAMETER])
class MerchantStatementExportView(ErrorsAsJSON, APIView):
    """The month's statement as CSV (UTF-8 with BOM), with a total line."""

    permission_classes = [IsMerchant]
    renderer_classes = [CSVRenderer]
    content_negotiation_class = CSVOnly

    @extend_schema(
        responses={(200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="CSV")},
    )
    def get(self, request: Request) -> HttpResponse:
        statement = merchant_statement(request.user, required_month(request.query_params))
        response = HttpResponse(statement_csv(statement), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{statement_filename(statement)}"'
        return response


@extend_schema(tags=["review"])
class DisputeListView(ListAPIView):
    """Merchants' disputes of who pays, for senior agents."""

    permission_classes = [IsSeniorAgent]
    serializer_class = DisputeSerializer
    filterset_class = DisputeFilter

    def get_queryset(self) -> Any:
        return open_disputes()
