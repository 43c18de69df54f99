"""Who pays, in pages (SPEC 12): the merchant's monthly statement with its
disputes (phone first), and the senior agents' list of open disputes. Thin
views over ``refunds.statements`` and the dispute services."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import roles
from accounts.decorators import AuthenticatedHttpRequest, role_required
from orders.selectors import merchant_ids_of
from refundportal import clock
from refundportal.api import ApplicationError
from refundportal.months import Month

from . import services
from .forms import DisputeForm, DisputeResolveForm
from .models import Dispute, Liability, RefundRequest
from .services.disputes import MOVE
from .statements import (
    DISPUTE_DAYS,
    DISPUTE_STATE_LABELS,
    can_dispute,
    dispute_closes_at,
    dispute_of,
    dispute_state,
    merchant_statement,
    open_disputes,
)

merchant_required = role_required(roles.MERCHANT)
senior_required = role_required(roles.SENIOR_AGENT)


def _month(text: str) -> tuple[Month, str]:
    """The month asked for, or the current one with the error to show."""
    if not text:
        return Month.of(clock.now()), ""
    try:
        return Month.parse(text), ""
    except ApplicationError as error:
        return Month.of(clock.now()), error.detail


@dataclass(frozen=True)
class StatementRow:
    refund: RefundRequest
    state: str
    state_label: str
    dispute: Dispute | None
    can_dispute: bool
    closes_at: datetime | None


def _rows(refunds: list[RefundRequest], now: datetime) -> list[StatementRow]:
    return [
        StatementRow(
            refund=refund,
            state=dispute_state(refund),
            state_label=str(DISPUTE_STATE_LABELS[dispute_state(refund)]),
            dispute=dispute_of(refund),
            can_dispute=can_dispute(refund, now),
            closes_at=dispute_closes_at(refund),
        )
        for refund in refunds
    ]


def _render_statement(
    request: AuthenticatedHttpRequest,
    month: Month,
    *,
    error: str = "",
    form: DisputeForm | None = None,
    form_for: int | None = None,
    status: int = 200,
) -> HttpResponse:
    now = clock.now()
    current = Month.of(now)
    statement = merchant_statement(request.user, month)
    return render(
        request,
        "merchant/statement.html",
        {
            "month": month,
            "month_value": str(month),
            "previous_month": str(month.previous()),
            "next_month": str(month.next()) if month < current else "",
            "error": error,
            "statement": statement,
            "rows": _rows(statement.rows, now),
            "moved": _rows(statement.moved, now),
            "works_for_none": not merchant_ids_of(request.user),
            "dispute_days": DISPUTE_DAYS,
            "form": form,
            "form_for": form_for,
            "csv_url": reverse("merchant-statement-export") + f"?month={month}",
        },
        status=status,
    )


@merchant_required
def statement_page(request: AuthenticatedHttpRequest) -> HttpResponse:
    month, error = _month(request.GET.get("month") or "")
    return _render_statement(request, month, error=error, status=400 if error else 200)


@merchant_required
@require_POST
def dispute_page(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The statement's "Dispute" form: the dispute service decides."""
    refund = get_object_or_404(
        RefundRequest.objects.select_related("order"),
        pk=pk,
        order__merchant_id__in=merchant_ids_of(request.user),
    )
    month = Month.of(refund.decided_at or clock.now())
    form = DisputeForm(request.POST)
    if not form.is_valid():
        return _render_statement(request, month, form=form, form_for=refund.pk, status=400)
    try:
        services.refund_dispute(
            refund=refund, merchant_user=request.user, note=form.cleaned_data["note"]
        )
    except ApplicationError as error:
        return _render_statement(
            request,
            month,
            error=error.detail,
            form=form,
            form_for=refund.pk,
            status=error.status_code,
        )
    messages.success(
        request,
        _("Your dispute of refund #%(id)s was sent; a senior agent will answer it.")
        % {"id": refund.pk},
    )
    return redirect(reverse("merchant-statement-page") + f"?month={month}")


# --- Senior agents ------------------------------------------------------------------


def _render_disputes(
    request: AuthenticatedHttpRequest,
    *,
    form: DisputeResolveForm | None = None,
    form_for: int | None = None,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    listed = open_disputes(open_only=True)
    return render(
        request,
        "review/disputes.html",
        {
            "disputes": listed,
            "recent": open_disputes(open_only=False).order_by("-resolved_at", "-id")[:10],
            "form": form,
            "form_for": form_for,
            "blank_form": DisputeResolveForm(),
            "error": error,
            "liability_labels": dict(Liability.choices),
        },
        status=status,
    )


@senior_required
def disputes_page(request: AuthenticatedHttpRequest) -> HttpResponse:
    return _render_disputes(request)


@senior_required
@require_POST
def dispute_resolve_page(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    refund = get_object_or_404(RefundRequest, pk=pk)
    form = DisputeResolveForm(request.POST)
    if not form.is_valid():
        return _render_disputes(request, form=form, form_for=refund.pk, status=400)
    data: dict[str, Any] = form.cleaned_data
    try:
        dispute = services.dispute_resolve(
            refund=refund,
            agent=request.user,
            decision=data["decision"],
            note=data["note"],
            liability=data["liability"] or None if data["decision"] == MOVE else None,
        )
    except ApplicationError as error:
        return _render_disputes(
            request, form=form, form_for=refund.pk, error=error.detail, status=error.status_code
        )
    if dispute.new_liability:
        messages.success(
            request,
            _("Refund #%(id)s is now borne by: %(who)s.")
            % {"id": refund.pk, "who": Liability(dispute.new_liability).label},
        )
    else:
        messages.success(
            request, _("The charge of refund #%(id)s stands with the merchant.") % {"id": refund.pk}
        )
    return redirect("staff-disputes")
