from django.urls import path
from rest_framework.routers import SimpleRouter

from .views import EvidenceFileView, EvidenceUploadView, RefundViewSet, ReviewQueueView

router = SimpleRouter()
router.register("refunds", RefundViewSet, basename="refund")

urlpatterns = [
    path("evidence/", EvidenceUploadView.as_view(), name="evidence-upload"),
    path("evidence/<int:pk>/file/", EvidenceFileView.as_view(), name="evidence-file"),
    path("review-queue/", ReviewQueueView.as_view(), name="review-queue"),
    *router.urls,
]
