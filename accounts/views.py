from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.parsers import FormParser

from refundportal.parsers import SafeJSONParser

from . import roles


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
        return super().post(request, *args, **kwargs)


@login_required
def home(request: HttpRequest) -> HttpResponse:
    held = roles.user_roles(request.user)
    return render(
        request,
        "accounts/home.html",
        {"role_labels": [roles.ROLE_LABELS[r] for r in roles.ROLES if r in held]},
    )
