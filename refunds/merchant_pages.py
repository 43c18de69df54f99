"""The merchant's pages, phone-first: a restaurant's staff at the counter
see the requests on their orders, the ones waiting for their answer first
with the time left, and answer them (approve in full or in part, or refuse
with a note for customer service).

Thin views over ``refund_merchant_respond`` and ``refund_message_post``;
every decision is theirs. A merchant sees the request, its dishes, the
customer's words and photos and the conversation, never the customer's
risk, account, phone, other orders or staff's internal notes.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from functools import wraps
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Prefetch, QuerySet
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from accounts import roles
from accounts.decorators import AuthenticatedHttpRequest, role_required
from orders.selectors import merchant_ids_of
from refundportal import clock
from refundportal.api import ApplicationError
from refundportal.money import format_cny

from . import services, sla
from .forms import MERCHANT_NOTE_TEMPLATES, MerchantAnswerForm, MerchantMessageForm
from .models import Evidence, Message, RefundRequest, TimelineEvent
from .presenters import breakdown_rows, status_label, timeline_steps
from .selectors import conversation, merchant_refunds
from .services import MESSAGE_MAX_LENGTH
from .services.merchant import SILENCE_RULE
from .staff_pages import Sla, iso
from .states import SETTLED, RefundStatus

REQUESTS_PER_PAGE = 25

MerchantView = Callable[..., HttpResponse]

# What became of a request the merchant was asked about, in its words.
ANSWER_LABELS = {
    "approve": gettext_lazy("You approved"),
    "refuse": gettext_lazy("You refused"),
}
SILENCE_LABEL = gettext_lazy("No answer in time: approved in full")


def merchant_page(view: MerchantView) -> MerchantView:
    """Merchant users only (others get the 403 page); one whom the platform
    has not linked to a restaurant yet gets a 403 page that says so. The
    view receives the ids of the user's merchants."""

    @wraps(view)
    def linked(request: AuthenticatedHttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        merchant_ids = merchant_ids_of(request.user)
        if not merchant_ids:
            return render(request, "merchant/unlinked.html", status=403)
        return view(request, merchant_ids, *args, **kwargs)

    return role_required(roles.MERCHANT)(linked)


def _requests_of(user: Any, merchant_ids: list[int]) -> QuerySet[RefundRequest]:
    """The requests on the orders of the user's merchants, waiting ones
    first by due time; only theirs even for a user who also holds a staff
    role."""
    return (
        merchant_refunds(user)
        .filter(order__merchant_id__in=merchant_ids)
        .prefetch_related(None)
        .select_related(None)
    )


def merchant_clock(refund: RefundRequest, now: datetime) -> Sla | None:
    """The time left to answer, from the filing to ``merchant_due_at``."""
    if refund.status != RefundStatus.AWAITING_MERCHANT or refund.merchant_due_at is None:
        return None
    return Sla(starts_at=refund.created_at, due_at=refund.merchant_due_at, now=now)


def answer_label(refund: RefundRequest) -> str:
    """How the merchant's stage ended: its answer, or its silence."""
    if refund.merchant_decision in ANSWER_LABELS:
        return str(ANSWER_LABELS[refund.merchant_decision])
    if refund.decision_rule == SILENCE_RULE:
        return str(SILENCE_LABEL)
    return ""


def _clock_context(now: datetime) -> dict[str, Any]:
    return {"now": now, "now_iso": iso(now), "warn_fraction": sla.ESCALATE_AT_FRACTION}


# --- The list ---------------------------------------------------------------------


@dataclass(frozen=True)
class RequestRow:
    refund: RefundRequest
    clock: Sla | None
    status_label: str
    answer: str


@merchant_page
def refund_list(request: AuthenticatedHttpRequest, merchant_ids: list[int]) -> HttpResponse:
    listed = _requests_of(request.user, merchant_ids).select_related("order__merchant")
    page = Paginator(listed, REQUESTS_PER_PAGE).get_page(request.GET.get("page"))
    now = clock.now()
    rows = [
        RequestRow(
            refund=refund,
            clock=merchant_clock(refund, now),
            status_label=status_label(refund.status),
            answer=answer_label(refund),
        )
        for refund in page.object_list
    ]
    return render(
        request,
        "merchant/refund_list.html",
        {
            "page": page,
            "waiting_rows": [row for row in rows if row.clock is not None],
            "other_rows": [row for row in rows if row.clock is None],
            "several_merchants": len(merchant_ids) > 1,
            **_clock_context(now),
        },
    )


# --- One request ------------------------------------------------------------------


@dataclass(frozen=True)
class ThreadEntry:
    """A message of the conversation as the merchant reads it: the
    platform's people are one customer service."""

    message: Message
    author: str
    mine: bool


def _author(message: Message) -> str:
    if message.author_role == roles.CUSTOMER:
        return _("Customer")
    if message.author_role == roles.MERCHANT:
        return f"{message.author.get_username()} · {_('Merchant')}"
    return _("Customer service")


def _thread(refund: RefundRequest) -> list[ThreadEntry]:
    return [
        ThreadEntry(message, _author(message), message.author_role == roles.MERCHANT)
        for message in conversation(refund).select_related("author")
    ]


def _detail_queryset(user: Any, merchant_ids: list[int]) -> QuerySet[RefundRequest]:
    return (
        _requests_of(user, merchant_ids)
        .select_related("order__merchant", "merchant_answered_by", "appeal", "feedback")
        .prefetch_related(
            "items",
            "payouts",
            Prefetch("evidence", queryset=Evidence.objects.order_by("created_at", "id")),
            Prefetch(
                "timeline",
                queryset=TimelineEvent.objects.select_related("actor").order_by("at", "id"),
            ),
        )
    )


def _render_refund(
    request: AuthenticatedHttpRequest,
    refund: RefundRequest,
    *,
    form: MerchantAnswerForm | None = None,
    message_form: MerchantMessageForm | None = None,
    error: ApplicationError | None = None,
    message_error: ApplicationError | None = None,
    status: int = 200,
) -> HttpResponse:
    now = clock.now()
    field_errors: dict[str, list[str]] = {}
    if form is not None and form.is_bound:
        field_errors = {name: [str(e) for e in errs] for name, errs in form.errors.items()}
    if error is not None and error.fields:
        for name, errs in error.fields.items():
            field_errors.setdefault(name, []).extend(str(e) for e in errs)
    context = {
        "refund": refund,
        "order": refund.order,
        "status_label": status_label(refund.status),
        "answer": answer_label(refund),
        "clock": merchant_clock(refund, now),
        "can_answer": refund.status == RefundStatus.AWAITING_MERCHANT,
        "breakdown": breakdown_rows(refund),
        # The conversation's photos are shown with their messages.
        "photos": [p for p in refund.evidence.all() if p.message_id is None],
        "thread": _thread(refund),
        "can_message": refund.status not in SETTLED,
        "message_form": message_form or MerchantMessageForm(),
        "message_error": message_error,
        "message_max_length": MESSAGE_MAX_LENGTH,
        "timeline": list(reversed(timeline_steps(refund, staff=False))),
        "form": form or MerchantAnswerForm(initial={"amount": refund.requested_amount}),
        "field_errors": field_errors,
        "note_templates": MERCHANT_NOTE_TEMPLATES,
        "error": error,
        **_clock_context(now),
    }
    return render(request, "merchant/refund.html", context, status=status)


@merchant_page
@require_http_methods(["GET", "POST"])
def refund_page(
    request: AuthenticatedHttpRequest, merchant_ids: list[int], pk: int
) -> HttpResponse:
    refund = get_object_or_404(_detail_queryset(request.user, merchant_ids), pk=pk)
    if request.method != "POST":
        return _render_refund(request, refund)
    form = MerchantAnswerForm(request.POST)
    if not form.is_valid():
        return _render_refund(request, refund, form=form, status=400)
    try:
        answered = services.refund_merchant_respond(
            refund=refund,
            merchant_user=request.user,
            decision=form.decision(),
            note=form.note_text(),
            amount=form.cleaned_data["amount"],
        )
    except ApplicationError as error:
        refund = get_object_or_404(_detail_queryset(request.user, merchant_ids), pk=pk)
        return _render_refund(request, refund, form=form, error=error, status=error.status_code)
    if answered.status == RefundStatus.PENDING_REVIEW:
        messages.success(
            request,
            _("Request #%(id)s refused: customer service decides it with your note.")
            % {"id": answered.pk},
        )
    else:
        messages.success(
            request,
            _("Request #%(id)s approved: %(amount)s goes back to the customer.")
            % {"id": answered.pk, "amount": format_cny(answered.approved_amount or Decimal("0"))},
        )
    return redirect("merchant-refunds")


@merchant_page
@require_POST
def refund_message_page(
    request: AuthenticatedHttpRequest, merchant_ids: list[int], pk: int
) -> HttpResponse:
    """The merchant's message on the request's conversation: the customer
    and customer service read it."""
    refund = get_object_or_404(_detail_queryset(request.user, merchant_ids), pk=pk)
    form = MerchantMessageForm(request.POST)
    if not form.is_valid():
        return _render_refund(request, refund, message_form=form, status=400)
    try:
        services.refund_message_post(
            refund=refund, author=request.user, body=form.cleaned_data["body"]
        )
    except ApplicationError as error:
        refund = get_object_or_404(_detail_queryset(request.user, merchant_ids), pk=pk)
        return _render_refund(
            request, refund, message_form=form, message_error=error, status=error.status_code
        )
    messages.success(request, _("Your message was sent."))
    return redirect(reverse("merchant-refund", kwargs={"pk": pk}) + "#thread")
