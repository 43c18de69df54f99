from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import IsManager
from refundportal import clock

from .months import SCHEMA_MONTH_PATTERN, Month
from .serializers import MonthlyKpiSerializer
from .services import kpis_for_month


def month_from(params: Any) -> Month:
    """``?month=YYYY-MM``, the current month when absent or blank; 400
    ``validation_error`` for anything else."""
    text = params.get("month")
    if text is None or text == "":
        return Month.of(clock.now())
    return Month.parse(text)


class MonthlyKpiView(APIView):
    """The KPIs of one month (Asia/Shanghai), for managers. A closed month is
    read from its monthly roll-up; the current month is computed live."""

    permission_classes = [IsManager]

    @extend_schema(
        tags=["analytics"],
        parameters=[
            OpenApiParameter(
                "month",
                str,
                required=False,
                pattern=SCHEMA_MONTH_PATTERN,
                description="YYYY-MM, Asia/Shanghai; the current month when omitted.",
            )
        ],
        responses={200: MonthlyKpiSerializer},
    )
    def get(self, request: Request) -> Response:
        kpis = kpis_for_month(month_from(request.query_params))
        return Response(MonthlyKpiSerializer(kpis.as_dict()).data)
