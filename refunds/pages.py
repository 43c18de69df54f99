"""The customer's pages: my orders, the request form, the request page
with its conversation.

Thin views over the same services and selectors the API calls; every
decision is theirs. Session login; customers only, and only their own
orders and requests (another customer's answers 404).
"""

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.core.files.uploadedfile import UploadedFile
from django.core.paginator import Paginator
from django.db.models import Prefetch, QuerySet
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts import roles
from accounts.decorators import AuthenticatedHttpRequest, role_required
from orders.models import Order, OrderItem
from orders.selectors import (
    OrderRefundable,
    RefundableLine,
    line_label,
    order_queryset_for,
    order_refundable,
)
from refundportal import clock
from refundportal.api import ApplicationError
from refundportal.money import ZERO, format_cny

from . import services, sla
from .evidence import max_bytes, process_photo, upload_admit
from .forms import AppealForm, FeedbackForm, MessageForm, PhotoFormMixin, RefundForm
from .models import EVIDENCE_REASONS, Evidence, Message, Reason, RefundPolicy, RefundRequest
from .presenters import (
    breakdown_rows,
    customer_status_label,
    decision_note,
    message_author_label,
    timeline_steps,
)
from .selectors import (
    appeal_closes_at,
    can_appeal,
    can_give_feedback,
    claims_for_orders,
    conversation,
    has_appeal,
    has_feedback,
    is_refunded_partial,
    refund_queryset_for,
)
from .services import MAX_PHOTOS, MESSAGE_MAX_LENGTH, NUDGEABLE, next_nudge_at
from .states import OPEN, SETTLED, RefundStatus, can_move

ORDERS_PER_PAGE = 20
ACCEPTED_PHOTO_TYPES = "image/jpeg,image/png,image/webp"

# Staff work in their own pages: a customer's pages answer them 403.
customer_required = role_required(roles.CUSTOMER)


def _own_orders(request: AuthenticatedHttpRequest) -> QuerySet[Order]:
    """The customer's orders with what the pages show: the merchant, the
    dishes and the requests (not the tenders and events the API adds)."""
    return (
        order_queryset_for(request.user)
        .filter(customer_id=request.user.pk)
        .prefetch_related(None)
        .prefetch_related(
            Prefetch("items", queryset=OrderItem.objects.order_by("position")),
            Prefetch(
                "refund_requests",
                queryset=RefundRequest.objects.order_by("-created_at", "-id"),
                to_attr="page_requests",
            ),
        )
    )


def _own_refunds(request: AuthenticatedHttpRequest) -> QuerySet[RefundRequest]:
    return (
        refund_queryset_for(request.user)
        .filter(customer_id=request.user.pk)
        .select_related("order__merchant")
    )


@dataclass(frozen=True)
class Filing:
    """What the order list and the form tell before a customer files: an
    open request, nothing left to refund, a closed window. Filing itself is
    decided by the policy's rules R3, R1 and R2."""

    open_request: RefundRequest | None
    nothing_left: bool
    closes_at: datetime
    window_open: bool


def _filing(
    order: Order, refundable: OrderRefundable, policy: RefundPolicy, now: datetime
) -> Filing:
    """From the order's requests as ``_own_orders`` prefetches them."""
    requests: list[RefundRequest] = order.page_requests  # type: ignore[attr-defined]
    closes_at = sla.filing_closes_at(
        order_status=order.status,
        delivered_at=order.delivered_at,
        promised_at=order.promised_at,
        window_hours=policy.filing_window_hours,
    )
    return Filing(
        open_request=next((r for r in requests if r.status in OPEN), None),
        nothing_left=refundable.total <= ZERO,
        closes_at=closes_at,
        window_open=now <= closes_at,
    )


# --- My orders ------------------------------------------------------------------


@dataclass(frozen=True)
class RequestLink:
    """One of an order's requests as the list shows it, its status in the
    customer's words."""

    refund: RefundRequest
    status_label: str
    needs_answer: bool


@dataclass(frozen=True)
class OrderRow:
    order: Order
    refundable_total: Decimal
    requests: list[RequestLink]
    can_request: bool
    blocked: str


def _order_row(
    order: Order, refundable: OrderRefundable, policy: RefundPolicy, now: datetime
) -> OrderRow:
    requests = [
        RequestLink(
            refund,
            customer_status_label(refund.status),
            refund.status == RefundStatus.AWAITING_CUSTOMER,
        )
        for refund in order.page_requests  # type: ignore[attr-defined]
    ]
    filing = _filing(order, refundable, policy, now)
    blocked = ""
    if filing.open_request is not None:
        blocked = (
            _("A request for this order needs your answer.")
            if filing.open_request.status == RefundStatus.AWAITING_CUSTOMER
            else _("A request for this order is under review.")
        )
    elif filing.nothing_left:
        blocked = _("Nothing is left to refund on this order.")
    elif not filing.window_open:
        blocked = _("The refund window for this order has closed.")
    return OrderRow(order, refundable.total, requests, not blocked, blocked)


@customer_required
def order_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    policy = RefundPolicy.current()
    page = Paginator(_own_orders(request), ORDERS_PER_PAGE).get_page(request.GET.get("page"))
    on_page = list(page.object_list)
    claims = claims_for_orders([order.pk for order in on_page])
    now = clock.now()
    rows = [
        _order_row(order, order_refundable(order, claims.get(order.pk, {})), policy, now)
        for order in on_page
    ]
    return render(request, "refunds/order_list.html", {"page": page, "rows": rows})


# --- The request form -------------------------------------------------------------


def _photo_tiles(request: AuthenticatedHttpRequest, ids: Sequence[int]) -> list[Evidence]:
    """The customer's photos not yet attached to a request, to keep them on
    a form that comes back with an error."""
    if not ids:
        return []
    return list(
        Evidence.objects.filter(pk__in=list(ids), owner_id=request.user.pk, request__isnull=True)
    )


@contextmanager
def _page_photos(
    request: AuthenticatedHttpRequest, files: Sequence[UploadedFile]
) -> Iterator[list[int]]:
    """Store photos sent through the plain file input (no JavaScript), each
    counted against the upload limit the API's evidence upload keeps, and
    give their ids to the filing, appeal or message that attaches them; if
    that is refused, the photos this POST stored leave with it."""
    stored: list[int] = []
    try:
        for upload in files:
            upload_admit(request)
            photo = process_photo(upload, upload.size or 0)
            stored.append(services.evidence_store(owner=request.user, photo=photo).pk)
        yield stored
    except ApplicationError:
        services.evidence_discard(owner=request.user, evidence_ids=stored)
        raise


def _photo_context(request: AuthenticatedHttpRequest, kept: Sequence[int]) -> dict[str, Any]:
    return {
        "kept_photos": _photo_tiles(request, kept),
        "max_photos": MAX_PHOTOS,
        "max_photo_bytes": max_bytes(),
        "max_photo_mb": max_bytes() // 1_048_576,
        "accepted_photo_types": ACCEPTED_PHOTO_TYPES,
        "evidence_upload_url": reverse("evidence-upload"),
    }


@dataclass(frozen=True)
class LineChoice:
    line: RefundableLine
    selected: bool
    quantity: Any
    errors: list[str]

    @property
    def available(self) -> bool:
        return self.line.remaining_quantity > 0 and self.line.remaining_amount > ZERO


def _line_choices(form: RefundForm) -> list[LineChoice]:
    chosen = set(form.selected_keys()) if form.is_bound else set()
    choices = []
    for line in form.lines:
        field = form[f"quantity_{line.key}"]
        value = field.value() if form.is_bound else None
        choices.append(
            LineChoice(
                line=line,
                selected=line.key in chosen,
                quantity=value or line.remaining_quantity,
                errors=[str(error) for error in field.errors],
            )
        )
    return choices


def _render_form(
    request: AuthenticatedHttpRequest,
    order: Order,
    refundable: OrderRefundable,
    form: RefundForm,
    *,
    kept: Sequence[int] = (),
    error: ApplicationError | None = None,
    status: int = 200,
) -> HttpResponse:
    policy = RefundPolicy.current()
    filing = _filing(order, refundable, policy, clock.now())
    checked = form["reason"].value() if form.is_bound else ""
    fees = [line for line in refundable.lines if line.item is None and line.remaining_amount > 0]
    context = {
        "order": order,
        "form": form,
        "error": error,
        "policy": policy,
        "reasons": [
            {
                "value": value,
                "label": label,
                "needs_photo": value in EVIDENCE_REASONS,
                "checked": value == checked,
            }
            for value, label in Reason.choices
        ],
        "line_choices": _line_choices(form),
        "fees": " · ".join(
            f"{line_label(line.key, line.name)} {format_cny(line.remaining_amount)}"
            for line in fees
        ),
        "refundable_total": refundable.total,
        "nothing_left": filing.nothing_left,
        "closes_at": filing.closes_at,
        "window_open": filing.window_open,
        "open_request": filing.open_request,
        "preview_url": reverse("refund-preview"),
        **_photo_context(request, kept),
    }
    return render(request, "refunds/refund_form.html", context, status=status)


@customer_required
@require_http_methods(["GET", "POST"])
def refund_new(request: AuthenticatedHttpRequest, number: str) -> HttpResponse:
    order = get_object_or_404(_own_orders(request), number=number)
    refundable = order_refundable(order, claims_for_orders([order.pk]).get(order.pk, {}))
    if request.method != "POST":
        return _render_form(request, order, refundable, RefundForm(lines=refundable.lines))

    form = RefundForm(request.POST, request.FILES, lines=refundable.lines)
    if not form.is_valid():
        kept = form.cleaned_data.get("evidence") or []
        return _render_form(request, order, refundable, form, kept=kept, status=400)
    # Photos uploaded before (their ids on the form) stay on the form after a
    # refusal, unattached until the retention job; the photos this POST
    # stored leave with it.
    kept = list(form.cleaned_data["evidence"])
    try:
        with _page_photos(request, form.cleaned_data["photos"]) as stored:
            refund = services.refund_file(
                customer=request.user,
                order_number=order.number,
                reason=form.cleaned_data["reason"],
                description=form.cleaned_data["description"],
                items=form.cleaned_data["items"],
                evidence_ids=[*kept, *stored],
            ).request
    except ApplicationError as error:
        return _render_form(
            request, order, refundable, form, kept=kept, error=error, status=error.status_code
        )
    messages.success(request, _("Your request was sent."))
    return redirect("refund-page", pk=refund.pk)


# --- The request page ---------------------------------------------------------------


@dataclass(frozen=True)
class ThreadEntry:
    """A message of the conversation as its customer reads it."""

    message: Message
    author_label: str
    mine: bool


@dataclass(frozen=True)
class Nudge:
    """The customer's nudge (催办) on a request waiting for a decision:
    how often it was sent, and when it may be sent again if not yet."""

    count: int
    again_at: datetime | None


def _thread(refund: RefundRequest) -> list[ThreadEntry]:
    return [
        ThreadEntry(
            message,
            message_author_label(message.author_role),
            message.author_role == roles.CUSTOMER,
        )
        for message in conversation(refund)
    ]


def _nudge(refund: RefundRequest, now: datetime) -> Nudge | None:
    if refund.status not in NUDGEABLE:
        return None
    again_at = next_nudge_at(refund)
    return Nudge(refund.nudge_count, again_at if again_at is not None and now < again_at else None)


def _question(thread: list[ThreadEntry]) -> Message | None:
    """What customer service asked the customer: its latest question."""
    return next((e.message for e in reversed(thread) if e.message.asks_customer), None)


def _render_refund(
    request: AuthenticatedHttpRequest,
    refund: RefundRequest,
    *,
    appeal_form: AppealForm | None = None,
    feedback_form: FeedbackForm | None = None,
    message_form: MessageForm | None = None,
    appeal_kept: Sequence[int] = (),
    message_kept: Sequence[int] = (),
    error: ApplicationError | None = None,
    reply_error: ApplicationError | None = None,
    status: int = 200,
) -> HttpResponse:
    policy = RefundPolicy.current()
    # The conversation's photos are shown with their messages.
    photos = [p for p in refund.evidence.all() if p.message_id is None]
    appealable = can_appeal(refund, policy)
    thread = _thread(refund)
    waiting = refund.status == RefundStatus.AWAITING_CUSTOMER
    can_reply = refund.status not in SETTLED
    if reply_error is not None and not can_reply:
        # No reply box to show it in: the page's own alert says it.
        error, reply_error = reply_error, None
    context = {
        "refund": refund,
        "order": refund.order,
        "status_label": customer_status_label(refund.status),
        "thread": thread,
        "waiting": waiting,
        "question": _question(thread) if waiting else None,
        "can_reply": can_reply,
        "reply_error": reply_error,
        "reply_error_lines": _error_lines(reply_error) if reply_error else [],
        "message_form": message_form or MessageForm(),
        "message_max_length": MESSAGE_MAX_LENGTH,
        "message_kept_photos": _photo_tiles(request, message_kept),
        "nudge": _nudge(refund, clock.now()),
        "breakdown": breakdown_rows(refund),
        "decision": decision_note(refund),
        "timeline": list(reversed(timeline_steps(refund, staff=False))),
        "payouts": sorted((p for p in refund.payouts.all() if not p.closed), key=lambda p: p.pk),
        "photos": [p for p in photos if not p.for_appeal],
        "appeal_photos": [p for p in photos if p.for_appeal],
        "appeal": refund.appeal if has_appeal(refund) else None,
        "feedback": refund.feedback if has_feedback(refund) else None,
        "is_pending": refund.status == RefundStatus.PENDING_REVIEW,
        # The merchant answers first (SPEC 12): by when, and what silence means.
        "with_merchant": refund.status == RefundStatus.AWAITING_MERCHANT,
        "can_cancel": can_move(refund.status, RefundStatus.CANCELLED),
        # The headline follows the status: after a cancel or an appeal the
        # earlier decision's sentence no longer describes where things stand.
        "is_cancelled": refund.status == RefundStatus.CANCELLED,
        "appeal_under_review": refund.status == RefundStatus.PENDING_REVIEW and has_appeal(refund),
        "payout_failed": refund.status == RefundStatus.PAYOUT_FAILED,
        "can_appeal": appealable,
        # An appeal of a paid partial approval can only add to what was paid.
        "appeal_keeps_refunded": is_refunded_partial(refund),
        "appeal_until": appeal_closes_at(refund, policy) if appealable else None,
        "can_give_feedback": can_give_feedback(refund),
        "appeal_form": appeal_form or AppealForm(),
        "feedback_form": feedback_form or FeedbackForm(),
        "stars": range(1, 6),
        "error": error,
        **_photo_context(request, appeal_kept),
    }
    return render(request, "refunds/refund_detail.html", context, status=status)


@customer_required
def refund_page(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    refund = get_object_or_404(_own_refunds(request), pk=pk)
    return _render_refund(request, refund)


@customer_required
@require_POST
def refund_cancel_page(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    refund = get_object_or_404(_own_refunds(request), pk=pk)
    try:
        services.refund_cancel(request=refund, customer=request.user)
    except ApplicationError as error:
        messages.error(request, error.detail)
    else:
        messages.success(request, _("Your request was cancelled."))
    return redirect("refund-page", pk=pk)


def _kept_ids(form: PhotoFormMixin) -> list[int]:
    return list(form.cleaned_data.get("evidence") or [])


@customer_required
@require_POST
def refund_appeal_page(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    refund = get_object_or_404(_own_refunds(request), pk=pk)
    form = AppealForm(request.POST, request.FILES)
    if not form.is_valid():
        return _render_refund(
            request, refund, appeal_form=form, appeal_kept=_kept_ids(form), status=400
        )
    kept = list(form.cleaned_data["evidence"])
    try:
        with _page_photos(request, form.cleaned_data["photos"]) as stored:
            services.refund_appeal(
                request=refund,
                customer=request.user,
                reason=form.cleaned_data["reason"],
                evidence_ids=[*kept, *stored],
            )
    except ApplicationError as error:
        refund = get_object_or_404(_own_refunds(request), pk=pk)
        return _render_refund(
            request,
            refund,
            appeal_form=form,
            appeal_kept=kept,
            error=error,
            status=error.status_code,
        )
    messages.success(request, _("Your appeal was sent. A senior agent will look at it."))
    return redirect("refund-page", pk=pk)


def _error_lines(error: ApplicationError) -> list[str]:
    """A refusal's sentences, the fields' own when it names them."""
    lines = [str(line) for found in (error.fields or {}).values() for line in found]
    return lines or [error.detail]


def _to_thread(refund: RefundRequest) -> HttpResponseRedirect:
    return redirect(reverse("refund-page", kwargs={"pk": refund.pk}) + "#thread")


@customer_required
@require_POST
def refund_message_page(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The customer's message, with photos; while the request waits for
    them, their answer."""
    refund = get_object_or_404(_own_refunds(request), pk=pk)
    form = MessageForm(request.POST, request.FILES)
    if not form.is_valid():
        return _render_refund(
            request, refund, message_form=form, message_kept=_kept_ids(form), status=400
        )
    answering = refund.status == RefundStatus.AWAITING_CUSTOMER
    kept = list(form.cleaned_data["evidence"])
    try:
        with _page_photos(request, form.cleaned_data["photos"]) as stored:
            services.refund_message_post(
                refund=refund,
                author=request.user,
                body=form.cleaned_data["body"],
                evidence_ids=[*kept, *stored],
            )
    except ApplicationError as error:
        refund = get_object_or_404(_own_refunds(request), pk=pk)
        return _render_refund(
            request,
            refund,
            message_form=form,
            message_kept=kept,
            reply_error=error,
            status=error.status_code,
        )
    messages.success(
        request,
        _("Your answer was sent. The review of your request goes on.")
        if answering
        else _("Your message was sent."),
    )
    return _to_thread(refund)


@customer_required
@require_POST
def refund_nudge_page(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    refund = get_object_or_404(_own_refunds(request), pk=pk)
    try:
        services.refund_nudge(refund=refund, customer=request.user)
    except ApplicationError as error:
        refund = get_object_or_404(_own_refunds(request), pk=pk)
        return _render_refund(request, refund, error=error, status=error.status_code)
    messages.success(request, _("We asked customer service to hurry with your request."))
    return redirect("refund-page", pk=pk)


@customer_required
@require_POST
def refund_feedback_page(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    refund = get_object_or_404(_own_refunds(request), pk=pk)
    form = FeedbackForm(request.POST)
    if not form.is_valid():
        return _render_refund(request, refund, feedback_form=form, status=400)
    try:
        services.refund_feedback(
            request=refund,
            customer=request.user,
            rating=form.cleaned_data["rating"],
            comment=form.cleaned_data["comment"],
        )
    except ApplicationError as error:
        refund = get_object_or_404(_own_refunds(request), pk=pk)
        return _render_refund(
            request, refund, feedback_form=form, error=error, status=error.status_code
        )
    messages.success(request, _("Thank you for your feedback."))
    return redirect("refund-page", pk=pk)
