"""Payment gateways: one adapter per method behind one interface.

``refund(idempotency_key, account, amount)`` pays back (or answers the first
payment's result for a key it has seen), ``status(idempotency_key)`` tells
whether a key was paid. Real adapters are named in ``PAYOUT_GATEWAYS``; the
default is a sandbox per method that keeps its own ledger and is steered by
the account string, like a payment provider's test cards.
"""

import time
import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal, Protocol

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.module_loading import import_string

from refundportal import clock

from .presenters import DECLINED, GATEWAY_TIMEOUT

Outcome = Literal["succeeded", "retryable", "declined"]


@dataclass(frozen=True)
class GatewayResult:
    outcome: Outcome
    reference: str = ""
    error: str = ""


class GatewayTimeout(Exception):
    """The gateway did not answer in time: the payment may or may not have
    gone through; the status query tells."""


class Gateway(Protocol):
    method: str

    def refund(self, idempotency_key: str, account: str, amount: Decimal) -> GatewayResult: ...

    def status(self, idempotency_key: str) -> GatewayResult | None:
        """The key's payment if it was paid, else None."""
        ...


class SandboxGateway:
    """A gateway that pays nobody, keeps a ledger, and honours keys.

    The account steers it: ``fail-once`` times out on the key's first call,
    ``fail-always`` on every call, ``decline`` is declined at once; anything
    else succeeds. ``slow`` pays, then waits ``SANDBOX_SLOW_SECONDS`` before
    answering (a payment whose answer may be lost).
    """

    def __init__(self, method: str) -> None:
        self.method = method

    def refund(self, idempotency_key: str, account: str, amount: Decimal) -> GatewayResult:
        from .models import SandboxLedgerEntry

        paid = self.status(idempotency_key)
        if paid is not None:
            return paid
        seen = SandboxLedgerEntry.objects.filter(idempotency_key=idempotency_key).exists()
        if "decline" in account:
            return self._record(idempotency_key, account, amount, "declined", DECLINED)
        if "fail-always" in account or ("fail-once" in account and not seen):
            self._record(idempotency_key, account, amount, "timeout", GATEWAY_TIMEOUT)
            raise GatewayTimeout(GATEWAY_TIMEOUT)
        reference = f"SBX-{self.method.upper()}-{uuid.uuid4().hex[:20]}"
        try:
            with transaction.atomic():
                result = self._record(idempotency_key, account, amount, "succeeded", "", reference)
        except IntegrityError:
            # A concurrent call with the same key paid first: answer its result.
            paid = self.status(idempotency_key)
            assert paid is not None
            return paid
        if "slow" in account:
            # Paid, but the answer is slow: the case a crash or a timeout
            # leaves for the status query to settle.
            time.sleep(float(getattr(settings, "SANDBOX_SLOW_SECONDS", 5)))
        return result

    def status(self, idempotency_key: str) -> GatewayResult | None:
        from .models import SandboxLedgerEntry

        entry = SandboxLedgerEntry.objects.filter(
            idempotency_key=idempotency_key, outcome="succeeded"
        ).first()
        if entry is None:
            return None
        return GatewayResult("succeeded", reference=entry.reference)

    def _record(
        self,
        key: str,
        account: str,
        amount: Decimal,
        outcome: str,
        error: str,
        reference: str = "",
    ) -> GatewayResult:
        from .models import SandboxLedgerEntry

        SandboxLedgerEntry.objects.create(
            idempotency_key=key,
            method=self.method,
            account=account,
            amount=amount,
            outcome=outcome,
            reference=reference,
            at=clock.now(),
        )
        if outcome == "succeeded":
            return GatewayResult("succeeded", reference=reference)
        return GatewayResult("declined", error=error)


def gateway_for(method: str) -> Gateway:
    configured = getattr(settings, "PAYOUT_GATEWAYS", {}).get(method)
    if configured:
        gateway: Gateway = import_string(configured)(method)
        return gateway
    return SandboxGateway(method)
