"""The public policy page: rendered from the same policy row that
auto-review reads, so what customers read is what decides."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from .models import RefundPolicy


def policy_page(request: HttpRequest) -> HttpResponse:
    policy = RefundPolicy.current()
    return render(
        request,
        "policy/policy.html",
        {
            "policy": policy,
            "tier1_until": policy.late_tier2_minutes - 1,
            "tier2_until": policy.late_tier3_minutes - 1,
        },
    )
