"""The review pages of agents and senior agents: the queue and a request.

Thin views over the selectors and services the API calls: the queue is
``review_queue``, claiming and deciding are ``refund_claim`` and
``refund_decide``, talking with the customer is ``refund_message_post``,
and who may open a request is ``refund_check_reviewer``. What is left here
is presentation: SLA colours, risk flags in words and the conversation's
authors (the forms are in ``forms``).
"""

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Prefetch, QuerySet
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_http_methods, require_POST

from accounts import roles
from accounts.decorators import AuthenticatedHttpRequest, role_required
from orders.models import Order
from orders.selectors import order_queryset_for
from orders.states import OrderStatus
from refundportal import clock
from refundportal.api import ApplicationError
from refundportal.money import format_cny

from . import risk, services, sla
from .forms import (
    APPROVE_PARTIAL,
    ASK,
    CLAIM,
    MESSAGE,
    NOTE,
    NOTE_TEMPLATES,
    REJECT,
    AskForm,
    DecideForm,
    NoteForm,
    StaffMessageForm,
)
from .models import (
    DecisionSource,
    Evidence,
    Liability,
    Message,
    Reason,
    RefundPolicy,
    RefundRequest,
    RiskLevel,
    TimelineEvent,
)
from .presenters import breakdown_rows, timeline_note
from .selectors import (
    conversation,
    has_appeal,
    late_compensation,
    refund_queryset_for,
    review_queue,
)
from .services.merchant import REFUSE as MERCHANT_REFUSED
from .states import SETTLED, RefundStatus

QUEUE_PAGE_SIZE = 25
# The requests waiting for their customers shown under the queue; the rest
# are one click away (``?waiting=1``).
WAITING_PREVIEW = 25
HISTORY_SIZE = 10
# How many of the most urgent unclaimed requests "Next request" tries when
# other agents claim them first.
NEXT_TRIES = 5

reviewer_required = role_required(*sorted(roles.REVIEW_ROLES))


# --- SLA -------------------------------------------------------------------------

SLA_LABELS = {
    "ok": gettext_lazy("On time"),
    "warn": gettext_lazy("Due soon"),
    "breached": gettext_lazy("Overdue"),
}


def iso(at: datetime) -> str:
    """An ISO 8601 time with its offset, in China Standard Time, for scripts."""
    return timezone.localtime(at).isoformat(timespec="seconds")


def clock_text(seconds: float) -> str:
    """``3:07:45``: hours, minutes and seconds, as the browser counts them."""
    whole = int(abs(seconds))
    return f"{whole // 3600}:{whole % 3600 // 60:02d}:{whole % 60:02d}"


@dataclass(frozen=True)
class Sla:
    """Where a pending request stands on its review timer."""

    starts_at: datetime
    due_at: datetime
    now: datetime

    @property
    def remaining_seconds(self) -> float:
        return (self.due_at - self.now).total_seconds()

    @property
    def state(self) -> str:
        if self.now >= self.due_at:
            return "breached"
        window = (self.due_at - self.starts_at).total_seconds()
        used = (self.now - self.starts_at).total_seconds()
        if window <= 0 or used >= window * sla.ESCALATE_AT_FRACTION:
            return "warn"
        return "ok"

    @property
    def label(self) -> str:
        return str(SLA_LABELS[self.state])

    @property
    def starts_iso(self) -> str:
        return iso(self.starts_at)

    @property
    def due_iso(self) -> str:
        return iso(self.due_at)

    @property
    def countdown(self) -> str:
        text = clock_text(self.remaining_seconds)
        if self.state == "breached":
            return _("by %(time)s") % {"time": text}
        return _("%(time)s left") % {"time": text}


def sla_of(refund: RefundRequest, now: datetime) -> Sla:
    """The review window runs from the request's creation, or from its
    appeal, which gives the request a fresh window."""
    appeal = refund.appeal if has_appeal(refund) else None
    starts_at = appeal.created_at if appeal is not None else refund.created_at
    return Sla(starts_at=starts_at, due_at=refund.review_due_at, now=now)


# --- Claims ----------------------------------------------------------------------


@dataclass(frozen=True)
class ClaimState:
    holder: User | None
    expires_at: datetime | None
    live: bool
    mine: bool

    @property
    def held_by_other(self) -> bool:
        return self.live and not self.mine


def claim_of(refund: RefundRequest, user: User, now: datetime) -> ClaimState:
    holder = refund.assignee if refund.assignee_id else None
    expires = refund.claim_expires_at
    live = bool(holder is not None and expires is not None and expires > now)
    return ClaimState(holder, expires, live, holder is not None and holder.pk == user.pk)


# --- The queue -------------------------------------------------------------------


@dataclass(frozen=True)
class QueueRow:
    refund: RefundRequest
    sla: Sla
    claim: ClaimState
    is_appeal: bool


@dataclass(frozen=True)
class WaitingRow:
    """A request waiting for its customer: no review clock runs, so the row
    says since when it waits and by when the answer is due."""

    refund: RefundRequest
    claim: ClaimState
    is_appeal: bool


def _truthy(value: str | None) -> bool:
    return (value or "").lower() in ("1", "true", "on", "yes")


def queue_params(query: Mapping[str, str], *, senior: bool) -> dict[str, str]:
    """The page's filters (``reason``, ``escalated``, ``mine``,
    ``unassigned``) as ``review_queue`` takes them."""
    params: dict[str, str] = {}
    if query.get("reason") in Reason.values:
        params["reason"] = query["reason"]
    if senior and query.get("escalated") in ("1", "0"):
        params["escalated"] = query["escalated"]
    if _truthy(query.get("mine")):
        params["assignee"] = "me"
    elif _truthy(query.get("unassigned")):
        params["assignee"] = "none"
    return params


def _queue_rows(refunds: Iterable[RefundRequest], user: User, now: datetime) -> list[QueueRow]:
    return [
        QueueRow(
            refund=refund,
            sla=sla_of(refund, now),
            claim=claim_of(refund, user, now),
            is_appeal=has_appeal(refund),
        )
        for refund in refunds
    ]


def _waiting_rows(refunds: Iterable[RefundRequest], user: User, now: datetime) -> list[WaitingRow]:
    return [
        WaitingRow(refund=refund, claim=claim_of(refund, user, now), is_appeal=has_appeal(refund))
        for refund in refunds
    ]


@reviewer_required
def queue(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The requests under review, the most urgent first, and below them the
    ones waiting for their customers; ``?waiting=1`` pages through the
    waiting ones alone."""
    senior = roles.has_role(request.user, roles.SENIOR_AGENT)
    params = queue_params(request.GET, senior=senior)
    waiting_tab = _truthy(request.GET.get("waiting"))
    waiting = review_queue(request.user, params, status=RefundStatus.AWAITING_CUSTOMER)
    listed = waiting if waiting_tab else review_queue(request.user, params)
    # Page through the ids alone, so that the database sorts narrow rows
    # rather than every pending request joined to its order, merchant and
    # people; then fetch the page's 25 with what a row shows (and none of the
    # selector's prefetches, which the queue does not show).
    page = Paginator(listed.values_list("pk", flat=True), QUEUE_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    ids = list(page.object_list)
    on_page = listed.prefetch_related(None).select_related("order__merchant", "appeal").in_bulk(ids)
    # A request decided between the two reads drops out of the page.
    listed_refunds = [on_page[pk] for pk in ids if pk in on_page]
    now = clock.now()
    if waiting_tab:
        rows: list[QueueRow] = []
        waiting_rows = _waiting_rows(listed_refunds, request.user, now)
        more_waiting = False
    else:
        rows = _queue_rows(listed_refunds, request.user, now)
        # One query, however many wait: the first few and whether there are more.
        preview = list(
            waiting.prefetch_related(None).select_related("order__merchant", "appeal")[
                : WAITING_PREVIEW + 1
            ]
        )
        waiting_rows = _waiting_rows(preview[:WAITING_PREVIEW], request.user, now)
        more_waiting = len(preview) > WAITING_PREVIEW
    filtered = bool(params) or any(
        request.GET.get(k) for k in ("reason", "escalated", "mine", "unassigned")
    )
    return render(
        request,
        "review/queue.html",
        {
            "page": page,
            "rows": rows,
            "waiting_tab": waiting_tab,
            "waiting_rows": waiting_rows,
            "more_waiting": more_waiting,
            "now": now,
            "senior": senior,
            "reasons": Reason.choices,
            "selected": {
                "reason": params.get("reason", ""),
                "escalated": params.get("escalated", ""),
                "mine": params.get("assignee") == "me",
                "unassigned": params.get("assignee") == "none",
            },
            "filtered": filtered,
            "warn_fraction": sla.ESCALATE_AT_FRACTION,
            "now_iso": iso(now),
        },
    )


# --- One request -------------------------------------------------------------------

FLAG_LABELS = {
    risk.FREQUENT_REFUNDER: gettext_lazy("Frequent refunder"),
    risk.NEW_ACCOUNT: gettext_lazy("New account"),
    risk.DUPLICATE_EVIDENCE: gettext_lazy("Reused photo"),
    risk.HIGH_AMOUNT: gettext_lazy("High amount"),
}


@dataclass(frozen=True)
class RiskLine:
    flag: str
    label: str
    reason: str


def _money(value: Any) -> str:
    try:
        return format_cny(Decimal(str(value)))
    except ArithmeticError:
        return str(value)


def _flag_reason(flag: str, facts: Mapping[str, Any], photo_requests: Mapping[int, int]) -> str:
    """A risk flag's reason in words, from the numbers auto-review saw."""
    if flag == risk.FREQUENT_REFUNDER:
        count = int(facts.get("requests", 0))
        return ngettext(
            "%(count)s other request in %(days)s days",
            "%(count)s other requests in %(days)s days",
            count,
        ) % {"count": count, "days": facts.get("days", "")}
    if flag == risk.NEW_ACCOUNT:
        days = int(facts.get("days_old", 0))
        if days == 0:
            return _("Account created less than a day ago")
        return ngettext("Account %(days)s day old", "Account %(days)s days old", days) % {
            "days": days
        }
    if flag == risk.DUPLICATE_EVIDENCE:
        others = sorted(
            {photo_requests[pk] for pk in facts.get("matches", []) if pk in photo_requests}
        )
        if not others:
            return _("A photo matches a photo sent with another request")
        return ngettext(
            "A photo matches request %(requests)s's",
            "A photo matches photos of requests %(requests)s",
            len(others),
        ) % {"requests": ", ".join(f"#{pk}" for pk in others)}
    if flag == risk.HIGH_AMOUNT:
        return _("%(amount)s requested, above %(limit)s") % {
            "amount": _money(facts.get("amount", "")),
            "limit": _money(facts.get("above", "")),
        }
    return ""


def risk_lines(refund: RefundRequest) -> list[RiskLine]:
    reasons: Mapping[str, Any] = refund.risk_reasons or {}
    matches = (reasons.get(risk.DUPLICATE_EVIDENCE) or {}).get("matches", [])
    photo_requests: dict[int, int] = {}
    if matches:
        photo_requests = {
            pk: request_id
            for pk, request_id in Evidence.objects.filter(
                pk__in=matches, request__isnull=False
            ).values_list("pk", "request_id")
        }
    return [
        RiskLine(
            flag=flag,
            label=str(FLAG_LABELS.get(flag, flag)),
            reason=_flag_reason(flag, reasons.get(flag) or {}, photo_requests),
        )
        for flag in refund.risk_flags or []
    ]


@dataclass(frozen=True)
class Step:
    at: datetime
    from_label: str
    to_label: str
    to_status: str
    actor: str
    note: str
    internal: bool = False


def _status_label(status: str) -> str:
    return str(RefundStatus(status).label) if status in RefundStatus.values else status


def _steps(refund: RefundRequest) -> list[Step]:
    steps = []
    for event in refund.timeline.all():
        role = str(roles.ROLE_LABELS.get(event.actor_role, _("System")))
        actor = f"{event.actor.get_username()} · {role}" if event.actor is not None else role
        if event.rule:
            actor = f"{actor} · {event.rule}"  # which policy rule decided
        steps.append(
            Step(
                at=event.at,
                from_label=_status_label(event.from_status) if event.from_status else "",
                to_label=_status_label(event.to_status),
                to_status=event.to_status,
                actor=actor,
                note=timeline_note(event),
                internal=event.internal,
            )
        )
    return steps


def _delivery_steps(order: Order) -> list[dict[str, Any]]:
    """The order's delivery events, with the promised time in its place
    among them (what a late or missing delivery is judged against)."""
    steps: list[dict[str, Any]] = [
        {"at": e.at, "label": OrderStatus(e.status).label, "promised": False}
        for e in order.events.all()
    ]
    steps.append({"at": order.promised_at, "label": _("Promised by"), "promised": True})
    return sorted(steps, key=lambda step: (step["at"], step["promised"]))


def _review_refunds(user: User) -> QuerySet[RefundRequest]:
    return (
        refund_queryset_for(user)
        .prefetch_related(None)
        .select_related(
            "order__merchant",
            "customer",
            "assignee",
            "decided_by",
            "appeal__rejected_by",
            "merchant_answered_by",
        )
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


@dataclass(frozen=True)
class ThreadEntry:
    """One message of the conversation as an agent sees it."""

    message: Message
    author: str
    photos: list[Evidence]

    @property
    def from_customer(self) -> bool:
        return self.message.author_role == roles.CUSTOMER


def _thread(refund: RefundRequest, photos: Iterable[Evidence]) -> list[ThreadEntry]:
    """The conversation, oldest first (newest last). The messages' photos
    are among the request's, already fetched: they are matched here rather
    than read again."""
    by_message: dict[int, list[Evidence]] = defaultdict(list)
    for photo in photos:
        if photo.message_id is not None:
            by_message[photo.message_id].append(photo)
    entries = []
    for message in conversation(refund).prefetch_related(None).select_related("author"):
        if message.author_role == roles.CUSTOMER:
            author = str(roles.ROLE_LABELS[roles.CUSTOMER])
        else:
            role = roles.ROLE_LABELS.get(message.author_role, message.author_role)
            author = f"{message.author.get_username()} · {role}"
        entries.append(
            ThreadEntry(message=message, author=author, photos=by_message.get(message.pk, []))
        )
    return entries


def _history(refund: RefundRequest) -> list[RefundRequest]:
    """The customer's other recent requests, newest first: one query."""
    return list(
        RefundRequest.objects.filter(customer_id=refund.customer_id)
        .exclude(pk=refund.pk)
        .select_related("order")
        .order_by("-created_at", "-id")[:HISTORY_SIZE]
    )


def _forbidden(request: AuthenticatedHttpRequest, error: Exception) -> HttpResponse:
    detail = getattr(error, "detail", "") or _("Your account cannot open this request.")
    return render(request, "review/forbidden.html", {"detail": detail}, status=403)


def _render_request(
    request: AuthenticatedHttpRequest,
    refund: RefundRequest,
    *,
    form: DecideForm | None = None,
    note_form: NoteForm | None = None,
    ask_form: AskForm | None = None,
    message_form: StaffMessageForm | None = None,
    error: ApplicationError | None = None,
    status: int = 200,
) -> HttpResponse:
    now = clock.now()
    order: Order = order_queryset_for(request.user).get(pk=refund.order_id)
    pending = refund.status == RefundStatus.PENDING_REVIEW
    waiting = refund.status == RefundStatus.AWAITING_CUSTOMER
    claim = claim_of(refund, request.user, now)
    photos = list(refund.evidence.all())
    thread = _thread(refund, photos)
    can_ask = pending and not claim.held_by_other
    field_errors: dict[str, list[str]] = {}
    if form is not None and form.is_bound:
        field_errors = {name: [str(e) for e in errs] for name, errs in form.errors.items()}
    if error is not None and error.fields:
        for name, errs in error.fields.items():
            field_errors.setdefault(name, []).extend(str(e) for e in errs)
    context = {
        "refund": refund,
        "order": order,
        "pending": pending,
        "sla": sla_of(refund, now) if pending else None,
        "claim": claim,
        "claim_minutes": sla.claim_minutes(),
        "items": list(order.items.all()),
        "discounts": list(order.discounts.all()),
        "tenders": list(order.tenders.all()),
        "events": _delivery_steps(order),
        "steps": _steps(refund),
        "breakdown": breakdown_rows(refund),
        # The conversation's photos are shown with their messages.
        "photos": [p for p in photos if not p.for_appeal and p.message_id is None],
        "appeal_photos": [p for p in photos if p.for_appeal and p.message_id is None],
        "thread": thread,
        "waiting": waiting,
        # What the customer was last asked: what the request waits for.
        "question": next((e for e in reversed(thread) if e.message.asks_customer), None)
        if waiting
        else None,
        "can_ask": can_ask,
        "can_message": refund.status not in SETTLED,
        "reply_hours": RefundPolicy.current().customer_reply_hours if can_ask else None,
        "ask_form": ask_form or AskForm(),
        "message_form": message_form or StaffMessageForm(),
        "appeal": refund.appeal if has_appeal(refund) else None,
        "risk_lines": risk_lines(refund),
        "compensated_by": late_compensation(refund),
        "risk_is_low": refund.risk_level == RiskLevel.LOW,
        "agent_note": refund.decision_note
        if refund.decision_source == DecisionSource.AGENT
        else "",
        "history": _history(refund),
        # The merchant refused: its answer is the first thing the agent reads.
        "merchant_refused": refund.merchant_decision == MERCHANT_REFUSED,
        "liability_label": Liability(refund.liability).label
        if refund.approved_amount is not None and refund.liability in Liability.values
        else "",
        "payouts": sorted(refund.payouts.all(), key=lambda p: p.pk),
        "form": form or DecideForm(initial={"amount": refund.requested_amount}),
        "note_form": note_form or NoteForm(),
        "field_errors": field_errors,
        "error": error,
        "note_templates": NOTE_TEMPLATES,
        "warn_fraction": sla.ESCALATE_AT_FRACTION,
        "now": now,
        "now_iso": iso(now),
    }
    return render(request, "review/request.html", context, status=status)


def _local_time(at: datetime | None) -> str:
    return formats.date_format(timezone.localtime(at), "H:i") if at else ""


def _local_datetime(at: datetime | None) -> str:
    return formats.date_format(timezone.localtime(at), "m-d H:i") if at else ""


@reviewer_required
@require_http_methods(["GET", "POST"])
def request_page(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    refund = get_object_or_404(_review_refunds(request.user), pk=pk)
    try:
        services.refund_check_reviewer(refund=refund, agent=request.user)
    except (ApplicationError, PermissionDenied) as error:
        return _forbidden(request, error)
    if request.method == "POST":
        return _act(request, refund)
    return _render_request(request, refund)


def _act(request: AuthenticatedHttpRequest, refund: RefundRequest) -> HttpResponse:
    """The page's forms: claim, add a note, ask or message the customer, or
    decide (approve in full or in part, reject)."""
    if request.POST.get("action") == NOTE:
        return _add_note(request, refund)
    if request.POST.get("action") == ASK:
        return _ask_customer(request, refund)
    if request.POST.get("action") == MESSAGE:
        return _message_customer(request, refund)
    if request.POST.get("action") == CLAIM:
        try:
            claimed = services.refund_claim(refund=refund, agent=request.user)
        except ApplicationError as error:
            return _render_request(request, refund, error=error, status=error.status_code)
        messages.success(
            request,
            _("You hold request #%(id)s until %(time)s.")
            % {"id": claimed.pk, "time": _local_time(claimed.claim_expires_at)},
        )
        return redirect("staff-review-request", pk=refund.pk)

    form = DecideForm(request.POST)
    if not form.is_valid():
        return _render_request(request, refund, form=form, status=400)
    action = form.cleaned_data["action"]
    try:
        decided = services.refund_decide(
            refund=refund,
            agent=request.user,
            decision="reject" if action == REJECT else "approve",
            note=form.note_text(),
            amount=form.cleaned_data["amount"] if action == APPROVE_PARTIAL else None,
            liability=form.cleaned_data.get("liability") or None,
        )
    except ApplicationError as error:
        refund = get_object_or_404(_review_refunds(request.user), pk=refund.pk)
        return _render_request(request, refund, form=form, error=error, status=error.status_code)
    if decided.status == RefundStatus.REJECTED:
        messages.success(request, _("Request #%(id)s was rejected.") % {"id": decided.pk})
    else:
        messages.success(
            request,
            _("Request #%(id)s was approved: %(amount)s.")
            % {"id": decided.pk, "amount": format_cny(decided.approved_amount or Decimal("0"))},
        )
    return redirect("staff-review-queue")


def _add_note(request: AuthenticatedHttpRequest, refund: RefundRequest) -> HttpResponse:
    form = NoteForm(request.POST)
    if not form.is_valid():
        return _render_request(request, refund, note_form=form, status=400)
    try:
        services.refund_note_add(
            refund=refund,
            author=request.user,
            note=form.cleaned_data["note"],
            internal=form.cleaned_data["internal"],
        )
    except ApplicationError as error:
        for name, errors in (error.fields or {}).items():
            form.add_error(name if name in form.fields else None, errors)
        return _render_request(
            request,
            refund,
            note_form=form,
            error=None if error.fields else error,
            status=error.status_code,
        )
    if form.cleaned_data["internal"]:
        messages.success(request, _("Internal note added to request #%(id)s.") % {"id": refund.pk})
    else:
        messages.success(
            request,
            _("Note added to request #%(id)s; the customer can see it.") % {"id": refund.pk},
        )
    return redirect(reverse("staff-review-request", args=[refund.pk]) + "#notes")


def _ask_customer(request: AuthenticatedHttpRequest, refund: RefundRequest) -> HttpResponse:
    """Ask the customer for something: the request waits for the answer,
    its review clock stopped, and stays with the agent who asked."""
    form = AskForm(request.POST)
    if not form.is_valid():
        return _render_request(request, refund, ask_form=form, status=400)
    try:
        services.refund_message_post(
            refund=refund, author=request.user, body=form.body_text(), awaiting_customer=True
        )
    except ApplicationError as error:
        for name, errors in (error.fields or {}).items():
            form.add_error(name if name in form.fields else None, errors)
        refund = get_object_or_404(_review_refunds(request.user), pk=refund.pk)
        return _render_request(
            request,
            refund,
            ask_form=form,
            error=None if error.fields else error,
            status=error.status_code,
        )
    except PermissionDenied as denied:
        return _forbidden(request, denied)
    refund.refresh_from_db(fields=["customer_reply_due_at"])
    messages.success(
        request,
        _("Request #%(id)s now waits for the customer's answer, due by %(time)s.")
        % {"id": refund.pk, "time": _local_datetime(refund.customer_reply_due_at)},
    )
    return redirect(reverse("staff-review-request", args=[refund.pk]) + "#thread")


def _message_customer(request: AuthenticatedHttpRequest, refund: RefundRequest) -> HttpResponse:
    """A message to the customer that leaves the request where it is."""
    form = StaffMessageForm(request.POST)
    if not form.is_valid():
        return _render_request(request, refund, message_form=form, status=400)
    try:
        services.refund_message_post(
            refund=refund, author=request.user, body=form.cleaned_data["body"]
        )
    except ApplicationError as error:
        for name, errors in (error.fields or {}).items():
            form.add_error(name if name in form.fields else None, errors)
        refund = get_object_or_404(_review_refunds(request.user), pk=refund.pk)
        return _render_request(
            request,
            refund,
            message_form=form,
            error=None if error.fields else error,
            status=error.status_code,
        )
    except PermissionDenied as denied:
        return _forbidden(request, denied)
    messages.success(
        request, _("Message sent to the customer of request #%(id)s.") % {"id": refund.pk}
    )
    return redirect(reverse("staff-review-request", args=[refund.pk]) + "#thread")


# --- Next request ------------------------------------------------------------------


@reviewer_required
@require_POST
def next_request(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Claim the most urgent unclaimed request this reviewer may decide and
    open it. Another agent may claim one first: then the next is tried."""
    candidates = review_queue(request.user, {"assignee": "none"}).prefetch_related(None)
    for refund in candidates[:NEXT_TRIES]:
        try:
            claimed = services.refund_claim(refund=refund, agent=request.user)
        except (ApplicationError, PermissionDenied):
            continue
        messages.success(
            request,
            _("You hold request #%(id)s until %(time)s.")
            % {"id": claimed.pk, "time": _local_time(claimed.claim_expires_at)},
        )
        return redirect("staff-review-request", pk=claimed.pk)
    messages.success(request, _("All caught up: no unclaimed request is waiting for review."))
    return redirect("staff-review-queue")
