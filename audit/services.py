"""The one way anything is written to the audit: ``audit_record``, called
inside the transaction of the action it records (a rolled-back action
leaves no trace). Callers pass plain values; this app imports none of
theirs."""

import logging
from typing import Any

from django.db import DatabaseError, transaction

from refundportal import clock

from .middleware import current_remote_address
from .models import AuditEvent
from .presenters import SENTENCES

logger = logging.getLogger(__name__)


def audit_record(
    *,
    action: str,
    actor: Any = None,
    target_type: str = "",
    target_id: object = "",
    facts: dict[str, Any] | None = None,
    remote_address: str | None = None,
    best_effort: bool = False,
) -> AuditEvent | None:
    """Append one event. ``actor`` is a user or None (a failed log-in has
    none); ``remote_address`` defaults to the current request's.

    ``best_effort``: for a request refused anyway (a failed log-in, a
    lock-out), a database that cannot take the row now (a burst of writes on
    SQLite) must not turn the refusal into a 500: the row is given up and the
    log says so."""
    if action not in SENTENCES:
        raise KeyError(f"no audit action registered as {action!r}")
    address = remote_address if remote_address is not None else current_remote_address()
    if not best_effort:
        return _append(action, actor, target_type, target_id, facts, address)
    try:
        with transaction.atomic():
            return _append(action, actor, target_type, target_id, facts, address)
    except DatabaseError:
        logger.warning("audit event %s from %s not recorded", action, address, exc_info=True)
        return None


def _without_nul(value: Any) -> Any:
    """PostgreSQL's JSON refuses the NUL character, which a typed user name
    or a query string may carry: it is dropped."""
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, dict):
        return {_without_nul(key): _without_nul(inner) for key, inner in value.items()}
    if isinstance(value, list | tuple):
        return [_without_nul(inner) for inner in value]
    return value


def _append(
    action: str,
    actor: Any,
    target_type: str,
    target_id: object,
    facts: dict[str, Any] | None,
    address: str,
) -> AuditEvent:
    return AuditEvent.objects.create(
        at=clock.now(),
        actor=actor if getattr(actor, "pk", None) else None,
        action=action,
        target_type=target_type,
        target_id=str(target_id),
        facts=_without_nul(facts or {}),
        remote_address=_without_nul(address)[:64],
    )
