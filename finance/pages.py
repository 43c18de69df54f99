"""Finance's pages: payouts with their attempts, retry and reroute, and the
sandbox ledger. Managers read them; only finance acts.

Thin views over ``payouts_filtered``, ``payout_totals``, ``payout_retry``
and ``payout_reroute``, the same the API calls.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from accounts import roles
from accounts.decorators import AuthenticatedHttpRequest, role_required
from orders.models import TenderMethod
from payouts.models import Payout, PayoutAttempt, SandboxLedgerEntry
from payouts.selectors import payout_totals, payouts_filtered, payouts_needing_action
from payouts.services import REROUTED
from payouts.states import PayoutStatus
from refundportal import clock
from refundportal.api import ApplicationError
from refundportal.money import ZERO, format_cny
from refunds import services

from .forms import RerouteForm

PAYOUTS_PAGE_SIZE = 25
# Failed and stuck payouts shown first, above the filters.
NEEDS_ACTION_SIZE = 20
LEDGER_PAGE_SIZE = 50
FILTERS = ("status", "method", "from", "to", "refund")

finance_reader_required = role_required(*sorted(roles.PAYOUT_READERS))
finance_required = role_required(roles.FINANCE)


def _acts(request: AuthenticatedHttpRequest) -> bool:
    return roles.has_role(request.user, roles.FINANCE)


# --- The list ----------------------------------------------------------------------


@dataclass(frozen=True)
class Total:
    key: str
    label: str
    count: int
    amount: Decimal


def _add(total: Total, row: dict[str, Any]) -> Total:
    return Total(
        total.key, total.label, total.count + row["count"], total.amount + (row["amount"] or ZERO)
    )


def _totals(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The database's count and sum per (status, method), kept apart by
    status: money pending, paid and failed never add up into one figure. A
    payout closed by a reroute is counted once, as the new payout that took
    its amount; the closed one is only counted as rerouted."""
    statuses = PayoutStatus.choices
    by_status = {value: Total(value, str(label), 0, ZERO) for value, label in statuses}
    by_method = {
        method: {value: Total(value, str(label), 0, ZERO) for value, label in statuses}
        for method, _label in TenderMethod.choices
    }
    rerouted = Total("rerouted", str(_("Rerouted")), 0, ZERO)
    for row in rows:
        if row["closed"]:
            rerouted = _add(rerouted, row)
            continue
        by_status[row["status"]] = _add(by_status[row["status"]], row)
        cells = by_method[row["method"]]
        cells[row["status"]] = _add(cells[row["status"]], row)
    return {
        "by_status": list(by_status.values()),
        "by_method": [
            {"key": method, "label": label, "cells": list(by_method[method].values())}
            for method, label in TenderMethod.choices
        ],
        "rerouted": rerouted,
    }


def _filters(query: Mapping[str, str]) -> dict[str, str]:
    return {key: query[key].strip() for key in FILTERS if query.get(key, "").strip()}


@dataclass(frozen=True)
class NeedsAction:
    payout: Payout
    # Stuck waiting for the gateway's answer, rather than failed.
    stuck: bool


def _needs_action() -> list[NeedsAction]:
    payouts = payouts_needing_action(
        clock.now(), int(settings.PAYOUT_STUCK_MINUTES), NEEDS_ACTION_SIZE
    )
    return [NeedsAction(p, stuck=p.status == PayoutStatus.PROCESSING) for p in payouts]


@finance_reader_required
def payout_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    filters = _filters(request.GET)
    error: ApplicationError | None = None
    try:
        payouts = payouts_filtered(filters).select_related("refund__order")
        totals = payout_totals(payouts)
    except ApplicationError as refused:
        error = refused
        payouts = Payout.objects.none()
        totals = []
    page = Paginator(payouts.order_by("-created_at", "-id"), PAYOUTS_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    export_url = reverse("payout-export")
    if filters:
        export_url += "?" + urlencode(filters)
    return render(
        request,
        "finance/payouts.html",
        {
            "page": page,
            "filters": filters,
            "statuses": PayoutStatus.choices,
            "methods": TenderMethod.choices,
            "totals": _totals(totals),
            "needs_action": _needs_action(),
            "error": error,
            "export_url": export_url,
            "can_export": _acts(request),
        },
        status=error.status_code if error else 200,
    )


# --- One payout ----------------------------------------------------------------------


def _payout(pk: int) -> Payout:
    return get_object_or_404(
        Payout.objects.select_related(
            "refund__order__merchant", "refund__customer", "rerouted_from", "rerouted_to"
        ).prefetch_related(
            Prefetch("attempt_log", queryset=PayoutAttempt.objects.order_by("number"))
        ),
        pk=pk,
    )


def _rerouted_to(payout: Payout) -> Payout | None:
    try:
        return payout.rerouted_to
    except Payout.rerouted_to.RelatedObjectDoesNotExist:
        return None


@dataclass(frozen=True)
class StaffStep:
    at: datetime
    what: str  # rerouted, retried or the status moved to
    label: str
    by: str


def _staff_steps(payout: Payout) -> list[StaffStep]:
    """What people did to the payout (retries, the reroute), with who; the
    moves the system makes are the attempt log's to show."""
    steps = []
    for event in payout.events.filter(actor__isnull=False).select_related("actor"):
        if event.what == REROUTED:
            what, label = REROUTED, _("Rerouted to the platform balance")
        elif event.to_status == PayoutStatus.PENDING:
            what, label = "retried", _("Retried: a new round of attempts")
        else:
            what, label = event.to_status, str(PayoutStatus(event.to_status).label)
        by = event.actor.get_username() if event.actor else ""
        steps.append(StaffStep(event.at, what, label, by))
    return steps


def _render_payout(
    request: AuthenticatedHttpRequest,
    payout: Payout,
    *,
    reroute_form: RerouteForm | None = None,
    error: ApplicationError | None = None,
    status: int = 200,
) -> HttpResponse:
    actionable = payout.needs_action
    return render(
        request,
        "finance/payout.html",
        {
            "payout": payout,
            "refund": payout.refund,
            "order": payout.refund.order,
            "attempts": list(payout.attempt_log.all()),
            # What people did to the payout (retries, the reroute), with who:
            # the moves the system makes are the attempt log's to show.
            "staff_steps": _staff_steps(payout),
            "rerouted_to": _rerouted_to(payout),
            "next_attempt_due": payout.status == PayoutStatus.PENDING
            and payout.next_attempt_at is not None,
            "can_act": actionable and _acts(request),
            "actionable": actionable,
            "reroute_form": reroute_form or RerouteForm(),
            "error": error,
        },
        status=status,
    )


@finance_reader_required
def payout_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    return _render_payout(request, _payout(pk))


@finance_required
@require_http_methods(["GET", "POST"])
def payout_retry(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """GET asks for confirmation (the page works without JavaScript); POST retries."""
    payout = _payout(pk)
    if request.method == "POST":
        try:
            services.payout_retry(payout=payout, actor=request.user)
        except ApplicationError as error:
            return render(
                request,
                "finance/retry_confirm.html",
                {"payout": payout, "actionable": payout.needs_action, "error": error},
                status=error.status_code,
            )
        _tell_retry_outcome(request, _payout(pk))
        return redirect("finance-payout", pk=payout.pk)
    return render(
        request,
        "finance/retry_confirm.html",
        {"payout": payout, "actionable": payout.needs_action, "error": None},
    )


def _tell_retry_outcome(request: AuthenticatedHttpRequest, payout: Payout) -> None:
    """The banner after a retry says what the page shows: where tasks run in
    process, the first attempt has already answered."""
    if payout.status == PayoutStatus.SUCCEEDED:
        messages.success(request, _("Payout #%(id)s was paid on retry.") % {"id": payout.pk})
    elif payout.status == PayoutStatus.FAILED and payout.declined:
        messages.warning(
            request,
            _(
                "Payout #%(id)s was declined again: the account refuses refunds. "
                "Reroute it to the customer's platform balance."
            )
            % {"id": payout.pk},
        )
    elif payout.status == PayoutStatus.FAILED:
        messages.warning(
            request,
            _("Payout #%(id)s failed again; see the attempts below.") % {"id": payout.pk},
        )
    else:
        messages.success(
            request,
            _("Payout #%(id)s is pending again: a new round of attempts has started.")
            % {"id": payout.pk},
        )


@finance_required
@require_POST
def payout_reroute(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    payout = _payout(pk)
    form = RerouteForm(request.POST)
    if not form.is_valid():
        return _render_payout(request, payout, reroute_form=form, status=400)
    try:
        new = services.payout_reroute(
            payout=payout,
            actor=request.user,
            method=TenderMethod.WALLET,
            note=form.cleaned_data["note"],
            note_for_customer=form.cleaned_data["note_for_customer"],
        )
    except ApplicationError as error:
        return _render_payout(
            request, _payout(pk), reroute_form=form, error=error, status=error.status_code
        )
    messages.success(
        request,
        _("%(amount)s goes to the customer's platform balance as payout #%(id)s.")
        % {"amount": format_cny(new.amount), "id": new.pk},
    )
    return redirect("finance-payout", pk=new.pk)


# --- The sandbox ledger ------------------------------------------------------------------

LEDGER_OUTCOMES = {
    "succeeded": gettext_lazy("Paid"),
    "declined": gettext_lazy("Declined"),
    "timeout": gettext_lazy("Timed out"),
}


@finance_required
def ledger(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The sandbox gateways' ledger: finance only (SPEC 7), like its API."""
    key = request.GET.get("idempotency_key", "").strip()
    entries = SandboxLedgerEntry.objects.order_by("-at", "-id")
    if key:
        entries = entries.filter(idempotency_key=key)
    page = Paginator(entries, LEDGER_PAGE_SIZE).get_page(request.GET.get("page"))
    on_page = list(page.object_list)
    # Each key's payout, for a link: one query for the page.
    payout_ids = dict(
        Payout.objects.filter(
            idempotency_key__in={entry.idempotency_key for entry in on_page}
        ).values_list("idempotency_key", "pk")
    )
    rows = [
        {
            "entry": entry,
            "outcome": str(LEDGER_OUTCOMES.get(entry.outcome, entry.outcome)),
            "payout_id": payout_ids.get(entry.idempotency_key),
        }
        for entry in on_page
    ]
    return render(request, "finance/ledger.html", {"page": page, "rows": rows, "key": key})
