from django.urls import path
from rest_framework.routers import SimpleRouter

from .views import (
    DisputeListView,
    EvidenceFileView,
    EvidenceUploadView,
    MerchantRefundListView,
    MerchantStatementExportView,
    MerchantStatementView,
    OrderViewSet,
    RefundViewSet,
    ReviewQueueView,
)

# The orders API is served here: its answer shows what refund requests
# already hold on each line.
orders = SimpleRouter()
orders.register("orders", OrderViewSet, basename="order")
router = SimpleRouter()
router.register("refunds", RefundViewSet, basename="refund")

urlpatterns = [
    *orders.urls,
    path("evidence/", EvidenceUploadView.as_view(), name="evidence-upload"),
    path("evidence/<int:pk>/file/", EvidenceFileView.as_view(), name="evidence-file"),
    path("review-queue/", ReviewQueueView.as_view(), name="review-queue"),
    path("merchant/refunds/", MerchantRefundListView.as_view(), name="api-merchant-refunds"),
    path("merchant/statement/", MerchantStatementView.as_view(), name="merchant-statement"),
    path(
        "merchant/statement/export/",
        MerchantStatementExportView.as_view(),
        name="merchant-statement-export",
    ),
    path("disputes/", DisputeListView.as_view(), name="disputes"),
    *router.urls,
]
