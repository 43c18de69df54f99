from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.permissions import CanReadOrders, IsIntegration

from . import services
from .filters import OrderFilter
from .selectors import Claim, order_queryset_for
from .serializers import OrderCreateSerializer, OrderEventSerializer, OrderSerializer


@extend_schema(tags=["orders"])
class OrderViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Orders from the ordering system; a customer reads only their own."""

    serializer_class = OrderSerializer
    lookup_field = "number"
    lookup_value_regex = "[^/]+"

    def get_permissions(self) -> list[Any]:
        if self.action in ("create", "events"):
            return [IsIntegration()]
        return [CanReadOrders()]

    def get_serializer(self, *args: Any, **kwargs: Any) -> Any:
        """Serialize orders with what is already claimed on their lines,
        read for the whole page at once (``line_claims``)."""
        if args:
            instances = args[0]
            orders = list(instances) if kwargs.get("many") else [instances]
            kwargs["context"] = {
                **self.get_serializer_context(),
                "claims": self.line_claims([o.pk for o in orders]),
            }
        return super().get_serializer(*args, **kwargs)

    def line_claims(self, order_ids: list[int]) -> dict[int, dict[str, Claim]]:
        """What is already claimed on each order's lines, by order id. The
        orders app knows no claims; the app that makes them serves this
        endpoint with its own answer (``refunds.views.OrderViewSet``)."""
        return {}

    def get_queryset(self) -> Any:
        return order_queryset_for(self.request.user)

    @property
    def filterset_class(self) -> Any:
        # The list's filters only: a detail or an action reads no query.
        return OrderFilter if self.action == "list" else None

    @extend_schema(
        request=OrderCreateSerializer,
        responses={201: OrderSerializer, 200: OrderSerializer},
        description=(
            "Create an order. The same number with the same content answers 200 and the "
            "stored order; with other content 409 `conflict`. `paid_total` (items + fees - "
            "discounts) must equal the tenders' sum, or 400 `amount_mismatch`."
        ),
    )
    def create(self, request: Request) -> Response:
        incoming = OrderCreateSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        result = services.order_create(payload=dict(incoming.validated_data))
        order = order_queryset_for(request.user).get(pk=result.order.pk)
        return Response(
            self.get_serializer(order).data,
            status=status.HTTP_201_CREATED if result.created else status.HTTP_200_OK,
        )

    @extend_schema(
        request=OrderEventSerializer,
        responses={200: OrderSerializer, 201: OrderSerializer},
        description=(
            "Record a delivery event. Orders move forward only; a backwards move or a move "
            "out of a final status is 400 `validation_error`. The same event again is 200."
        ),
    )
    @action(detail=True, methods=["post"])
    def events(self, request: Request, number: str | None = None) -> Response:
        order = self.get_object()
        incoming = OrderEventSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        order, changed = services.order_event_add(
            order=order, status=incoming.validated_data["status"], at=incoming.validated_data["at"]
        )
        order = order_queryset_for(request.user).get(pk=order.pk)
        return Response(
            self.get_serializer(order).data,
            status=status.HTTP_201_CREATED if changed else status.HTTP_200_OK,
        )
