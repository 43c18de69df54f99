"""Finance's pages, under /finance/."""

from django.urls import path

from . import pages

urlpatterns = [
    path("finance/payouts/", pages.payout_list, name="finance-payouts"),
    path("finance/payouts/<int:pk>/", pages.payout_detail, name="finance-payout"),
    path("finance/payouts/<int:pk>/retry/", pages.payout_retry, name="finance-payout-retry"),
    path("finance/payouts/<int:pk>/reroute/", pages.payout_reroute, name="finance-payout-reroute"),
    path("finance/ledger/", pages.ledger, name="finance-ledger"),
]
