from rest_framework.routers import SimpleRouter

from .views import PayoutViewSet, SandboxLedgerViewSet

router = SimpleRouter()
router.register("payouts", PayoutViewSet, basename="payout")
router.register("gateways/sandbox/ledger", SandboxLedgerViewSet, basename="sandbox-ledger")

urlpatterns = router.urls
