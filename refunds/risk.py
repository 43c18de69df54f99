"""Risk signals of SPEC section 5: a score 0-100 and flags, shown to staff
only. A request with no flag is low risk."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from .evidence import near_duplicates
from .models import Evidence, RefundPolicy, RiskLevel

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
    recent_requests: int,
) -> Risk:
    """``recent_requests`` is the customer's requests in the frequent-refunder
    window (from ``refunder_since``), cancelled ones aside: the caller reads
    them with the order's own requests, in one query."""
    reasons: dict[str, Any] = {}

    if recent_requests >= policy.frequent_refunder_count:
        reasons[FREQUENT_REFUNDER] = {
            "requests": recent_requests,
            "days": policy.frequent_refunder_days,
        }

    age = now - customer.date_joined
    if age < timedelta(days=policy.new_account_days):
        reasons[NEW_ACCOUNT] = {"days_old": age.days}

    others = Evidence.objects.filter(request__isnull=False)
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
