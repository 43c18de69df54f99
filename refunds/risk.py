"""Risk signals of SPEC section 5: a score 0-100 and flags, shown to staff
only. A request with no flag is low risk."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from .evidence import near_duplicates
from .models import Evidence, RefundPolicy, RefundRequest, RiskLevel
from .states import RefundStatus

FREQUENT_REFUNDER = "frequent_refunder"
NEW_ACCOUNT = "new_account"
DUPLICATE_EVIDENCE = "duplicate_evidence"
HIGH_AMOUNT = "high_amount"

WEIGHTS = {DUPLICATE_EVIDENCE: 45, FREQUENT_REFUNDER: 30, HIGH_AMOUNT: 20, NEW_ACCOUNT: 20}
HIGH_FROM = 45


@dataclass(frozen=True)
class Risk:
    score: int = 0
    level: str = RiskLevel.LOW
    flags: tuple[str, ...] = ()
    reasons: dict[str, Any] = field(default_factory=dict)


def refunder_since(now: datetime, policy: RefundPolicy) -> datetime:
    """Where the frequent-refunder window starts."""
    return now - timedelta(days=policy.frequent_refunder_days)


def assess_risk(
    *,
    customer: Any,
    now: datetime,
    amount: Decimal,
    photos: Sequence[Evidence],
    policy: RefundPolicy,
    exclude_request_id: int | None = None,
    recent_requests: int | None = None,
) -> Risk:
    """``recent_requests``, when the caller has counted them already, is the
    customer's requests in the frequent-refunder window (``refunder_since``),
    cancelled ones aside."""
    reasons: dict[str, Any] = {}

    if recent_requests is None:
        recent = RefundRequest.objects.filter(
            customer=customer, created_at__gte=refunder_since(now, policy)
        ).exclude(status=RefundStatus.CANCELLED)
        if exclude_request_id:
            recent = recent.exclude(pk=exclude_request_id)
        count = recent.count()
    else:
        count = recent_requests
    if count >= policy.frequent_refunder_count:
        reasons[FREQUENT_REFUNDER] = {"requests": count, "days": policy.frequent_refunder_days}

    age = now - customer.date_joined
    if age < timedelta(days=policy.new_account_days):
        reasons[NEW_ACCOUNT] = {"days_old": age.days}

    others = Evidence.objects.filter(request__isnull=False)
    if exclude_request_id:
        others = others.exclude(request_id=exclude_request_id)
    for photo in photos:
        matches = near_duplicates(others, photo.phash, policy.duplicate_photo_distance)
        if matches:
            reasons[DUPLICATE_EVIDENCE] = {"photo": photo.pk, "matches": matches[:10]}
            break

    if amount > policy.high_amount:
        reasons[HIGH_AMOUNT] = {"amount": str(amount), "above": str(policy.high_amount)}

    flags = tuple(flag for flag in WEIGHTS if flag in reasons)
    score = min(100, sum(WEIGHTS[flag] for flag in flags))
    if not flags:
        level = RiskLevel.LOW
    elif score >= HIGH_FROM:
        level = RiskLevel.HIGH
    else:
        level = RiskLevel.MEDIUM
    return Risk(score=score, level=level, flags=flags, reasons=reasons)
