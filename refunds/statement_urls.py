"""Who pays: the merchant's statement and the senior agents' disputes."""

from django.urls import path

from . import statement_pages

urlpatterns = [
    path("merchant/statement/", statement_pages.statement_page, name="merchant-statement-page"),
    path(
        "merchant/statement/<int:pk>/dispute/",
        statement_pages.dispute_page,
        name="merchant-statement-dispute",
    ),
    path("review/disputes/", statement_pages.disputes_page, name="staff-disputes"),
    path(
        "review/disputes/<int:pk>/resolve/",
        statement_pages.dispute_resolve_page,
        name="staff-dispute-resolve",
    ),
]
