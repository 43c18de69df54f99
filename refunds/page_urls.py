"""The customer's pages, at the site root."""

from django.urls import path

from . import pages

urlpatterns = [
    path("orders/", pages.order_list, name="customer-orders"),
    path("orders/<str:number>/refund/", pages.refund_new, name="refund-new"),
    path("refunds/<int:pk>/", pages.refund_page, name="refund-page"),
    path("refunds/<int:pk>/cancel/", pages.refund_cancel_page, name="refund-page-cancel"),
    path("refunds/<int:pk>/appeal/", pages.refund_appeal_page, name="refund-page-appeal"),
    path("refunds/<int:pk>/feedback/", pages.refund_feedback_page, name="refund-page-feedback"),
    path("refunds/<int:pk>/messages/", pages.refund_message_page, name="refund-page-message"),
    path("refunds/<int:pk>/nudge/", pages.refund_nudge_page, name="refund-page-nudge"),
]
