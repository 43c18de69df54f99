"""How an audit event reads: one sentence per action, rendered from the
action id and its facts in the active language (nothing translated is
stored)."""

from collections.abc import Callable, Mapping
from typing import Any

from django.utils import translation
from django.utils.translation import gettext as _

from . import actions
from .models import AuditEvent

Facts = Mapping[str, Any]


def _channel(facts: Facts) -> str:
    channel = facts.get("channel")
    if channel == actions.CHANNEL_ADMIN:
        return _("the admin")
    if channel == actions.CHANNEL_API:
        return _("an API token")
    return _("the log-in page")


def _claimed(who: str, facts: Facts) -> str:
    return _("%(actor)s claimed request #%(refund)s.") % {"actor": who, "refund": facts["refund"]}


def _taken_over(who: str, facts: Facts) -> str:
    return _("%(actor)s took over request #%(refund)s from %(previous)s.") % {
        "actor": who,
        "refund": facts["refund"],
        "previous": facts.get("previous_assignee") or "?",
    }


def _retried(who: str, facts: Facts) -> str:
    return _("%(actor)s retried payout #%(payout)s of request #%(refund)s.") % {
        "actor": who,
        "payout": facts["payout"],
        "refund": facts["refund"],
    }


def _rerouted(who: str, facts: Facts) -> str:
    return _(
        "%(actor)s rerouted payout #%(payout)s of request #%(refund)s (¥%(amount)s) "
        "to the platform balance as payout #%(new_payout)s."
    ) % {
        "actor": who,
        "payout": facts["payout"],
        "refund": facts["refund"],
        "amount": facts["amount"],
        "new_payout": facts["new_payout"],
    }


def _exported(who: str, facts: Facts) -> str:
    filters = facts.get("filters") or {}
    shown = ", ".join(f"{name}={value}" for name, value in sorted(filters.items()))
    return _("%(actor)s exported %(rows)s payouts (filters: %(filters)s).") % {
        "actor": who,
        "rows": facts.get("rows", 0),
        "filters": shown or _("none"),
    }


def _logged_in(who: str, facts: Facts) -> str:
    return _("%(actor)s logged in through %(channel)s.") % {
        "actor": who,
        "channel": _channel(facts),
    }


def _login_failed(who: str, facts: Facts) -> str:
    return _("A log-in as %(username)s through %(channel)s failed.") % {
        "username": facts.get("username") or "?",
        "channel": _channel(facts),
    }


def _locked_out(who: str, facts: Facts) -> str:
    return _(
        "Log-ins as %(username)s from this address are refused for %(minutes)s minutes "
        "after %(limit)s failures."
    ) % {
        "username": facts.get("username") or "?",
        "minutes": facts.get("minutes", 0),
        "limit": facts.get("limit", 0),
    }


SENTENCES: dict[str, Callable[[str, Facts], str]] = {
    actions.REFUND_CLAIMED: _claimed,
    actions.REFUND_TAKEN_OVER: _taken_over,
    actions.PAYOUT_RETRIED: _retried,
    actions.PAYOUT_REROUTED: _rerouted,
    actions.PAYOUTS_EXPORTED: _exported,
    actions.LOGGED_IN: _logged_in,
    actions.LOGIN_FAILED: _login_failed,
    actions.LOCKED_OUT: _locked_out,
}


def actor_name(event: AuditEvent) -> str:
    if event.actor_id is None:
        return str(event.facts.get("username") or "—")
    return event.actor.get_username() if event.actor else str(event.actor_id)


def sentence(event: AuditEvent) -> str:
    """The event as a sentence in the active language."""
    render = SENTENCES.get(event.action)
    if render is None:
        return event.action
    try:
        return render(actor_name(event), event.facts or {})
    except (KeyError, TypeError, ValueError):
        # Facts of an older shape: the id still says what happened.
        return event.action


def sentence_in(language: str, event: AuditEvent) -> str:
    with translation.override(language):
        return sentence(event)
