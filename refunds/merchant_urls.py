"""The merchant's pages, under /merchant/."""

from django.urls import path

from . import merchant_pages

urlpatterns = [
    path("merchant/", merchant_pages.refund_list, name="merchant-refunds"),
    path("merchant/refunds/<int:pk>/", merchant_pages.refund_page, name="merchant-refund"),
    path(
        "merchant/refunds/<int:pk>/messages/",
        merchant_pages.refund_message_page,
        name="merchant-refund-message",
    ),
]
