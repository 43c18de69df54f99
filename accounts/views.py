from typing import Any

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpResponse
from django.shortcuts import redirect, render
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.parsers import FormParser

from refundportal.parsers import SafeJSONParser

from . import roles, throttling
from .decorators import AuthenticatedHttpRequest
from .forms import LoginForm


class TokenView(ObtainAuthToken):
    """Exchange a user name and password for an API token."""

    parser_classes = (SafeJSONParser, FormParser)

    @extend_schema(
        tags=["auth"],
        request=inline_serializer(
            "TokenRequest",
            {"username": serializers.CharField(), "password": serializers.CharField()},
        ),
        responses={200: inline_serializer("TokenResponse", {"token": serializers.CharField()})},
        auth=[],
    )
    def post(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        username = request.data.get("username") if hasattr(request.data, "get") else None
        username = username if isinstance(username, str) else ""
        address = throttling.client_address(request)
        throttling.login_attempt(username, address)
        # A wrong password raises here and leaves the attempt counted.
        response = super().post(request, *args, **kwargs)
        throttling.login_succeeded(username, address)
        return response


class LoginView(auth_views.LoginView):
    """The login page, with the same failed log-in limit as the API."""

    template_name = "accounts/login.html"
    redirect_authenticated_user = True
    authentication_form = LoginForm

    def form_invalid(self, form: AuthenticationForm) -> HttpResponse:
        response = super().form_invalid(form)
        if isinstance(form, LoginForm) and form.is_throttled():
            response.status_code = 429
        return response


@login_required
def home(request: AuthenticatedHttpRequest) -> HttpResponse:
    held = roles.user_roles(request.user)
    if roles.CUSTOMER in held and not held & roles.STAFF_ROLES:
        # A customer's home is their orders.
        return redirect("customer-orders")
    # Staff start where their work waits: reviewers at the queue, finance at payouts.
    if held & roles.REVIEW_ROLES:
        return redirect("staff-review-queue")
    if roles.FINANCE in held:
        return redirect("finance-payouts")
    if roles.MANAGER in held:
        return redirect("analytics-dashboard")
    # The ordering system's account and accounts without a role: a page
    # that says what the account is for and points at the API docs.
    return render(
        request,
        "accounts/home.html",
        {"role_labels": [roles.ROLE_LABELS[r] for r in roles.ROLES if r in held]},
    )
