"""The review pages of agents and senior agents, under /review/."""

from django.urls import path

from . import staff_pages

urlpatterns = [
    path("review/", staff_pages.queue, name="staff-review-queue"),
    path("review/next/", staff_pages.next_request, name="staff-review-next"),
    path("review/<int:pk>/", staff_pages.request_page, name="staff-review-request"),
]
