from typing import Any

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views import i18n
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from audit import actions as audit_actions
from refundportal.parsers import SafeJSONParser

from . import roles, throttling
from .authentication import TokenWithRolesAuthentication
from .decorators import AuthenticatedHttpRequest
from .forms import LoginForm
from .models import ApiToken
from .services import user_language_set
from .tokens import token_issue, token_revoke


class TokenView(APIView):
    """Exchange a user name and password for a new API token (one per
    log-in; it ends at log-out, a password change, or when it expires)."""

    authentication_classes = ()
    permission_classes = ()
    parser_classes = (SafeJSONParser,)

    @extend_schema(
        tags=["auth"],
        request=inline_serializer(
            # "Token": the schema names a request body <name>Request.
            "Token",
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
        serializer = AuthTokenSerializer(data=request.data, context={"request": request})
        if not serializer.is_valid():
            throttling.login_failed(username, address, audit_actions.CHANNEL_API)
            raise serializers.ValidationError(serializer.errors)
        user = serializer.validated_data["user"]
        throttling.login_succeeded(user, username, address, audit_actions.CHANNEL_API)
        return Response({"token": token_issue(user)})


class LogoutView(APIView):
    """End the API token the request was made with."""

    authentication_classes = (TokenWithRolesAuthentication,)
    permission_classes = (IsAuthenticated,)

    @extend_schema(tags=["auth"], request=None, responses={204: None})
    def post(self, request: Request) -> Response:
        if isinstance(request.auth, ApiToken):
            token_revoke(request.auth)
        return Response(status=204)


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
    # A restaurant's staff start at the requests waiting for their answer.
    if roles.MERCHANT in held:
        return redirect("merchant-refunds")
    # The ordering system's account and accounts without a role: a page
    # that says what the account is for and points at the API docs.
    return render(
        request,
        "accounts/home.html",
        {"role_labels": [roles.ROLE_LABELS[r] for r in roles.ROLES if r in held]},
    )


def set_language(request: HttpRequest) -> HttpResponse:
    """The header's language switcher: Django's ``set_language`` (the
    cookie, the redirect back), and for a logged-in user the choice kept,
    so that their e-mail speaks it too."""
    response = i18n.set_language(request)
    if request.method == "POST" and request.user.is_authenticated:
        user_language_set(user=request.user, language=request.POST.get("language"))
    return response
