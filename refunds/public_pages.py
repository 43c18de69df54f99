"""The public policy page: rendered from the same policy row that
auto-review reads, so what customers read is what decides."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from .models import RefundPolicy


def whole_hours(minutes: int) -> int | None:
    """``minutes`` as hours when they make whole hours, else ``None``."""
    hours, rest = divmod(minutes, 60)
    return hours if hours and not rest else None


def policy_page(request: HttpRequest) -> HttpResponse:
    policy = RefundPolicy.current()
    return render(
        request,
        "policy/policy.html",
        {
            "policy": policy,
            "tier1_until": policy.late_tier2_minutes - 1,
            "tier2_until": policy.late_tier3_minutes - 1,
            "nudge_hours": whole_hours(policy.nudge_interval_minutes),
        },
    )
