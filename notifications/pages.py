"""The in-app notifications page of any logged-in user."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.views.decorators.http import require_POST

from accounts.decorators import AuthenticatedHttpRequest

from . import presenters
from .models import Notification
from .services import notification_mark_read

PER_PAGE = 20


@login_required
def notification_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Newest first; the unread ones are highlighted this once, as opening
    the list marks them read."""
    page = Paginator(Notification.objects.filter(user=request.user), PER_PAGE).get_page(
        request.GET.get("page")
    )
    language = get_language() or "zh-hans"
    rows = [
        {
            "notification": notification,
            "title": presenters.title(notification, language),
            "body": presenters.body(notification, language),
            "unread": notification.read_at is None,
        }
        for notification in page.object_list
    ]
    unread_ids = [row["notification"].pk for row in rows if row["unread"]]
    if unread_ids:
        notification_mark_read(user=request.user, ids=unread_ids)
    return render(
        request,
        "notifications/notification_list.html",
        {"page": page, "rows": rows, "unread_on_page": len(unread_ids)},
    )


@login_required
@require_POST
def notification_read_all(request: AuthenticatedHttpRequest) -> HttpResponse:
    notification_mark_read(user=request.user)
    return redirect("notifications")
