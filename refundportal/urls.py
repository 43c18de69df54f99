from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import URLPattern, URLResolver, include, path, re_path
from drf_spectacular.views import SpectacularSwaggerSplitView

from accounts.views import LoginView, LogoutView, TokenView, home, set_language
from refunds.public_pages import policy_page

from .metrics import metrics_view
from .views import SchemaView, api_not_found, healthz

api_v1: list[URLPattern | URLResolver] = [
    path("auth/token/", TokenView.as_view(), name="api-token"),
    path("auth/logout/", LogoutView.as_view(), name="api-logout"),
    path("", include("refunds.urls")),
    path("", include("finance.urls")),
    path("", include("analytics.urls")),
]

urlpatterns = [
    path("", home, name="home"),
    path("", include("refunds.page_urls")),
    path("", include("refunds.staff_urls")),
    path("", include("refunds.statement_urls")),
    path("", include("refunds.merchant_urls")),
    path("", include("finance.page_urls")),
    path("", include("notifications.page_urls")),
    path("", include("analytics.page_urls")),
    path("accounts/login/", LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/setlang/", set_language, name="set_language"),
    path("admin/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
    path("metrics", metrics_view, name="metrics"),
    path("policy/", policy_page, name="policy"),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SchemaView.as_view(), name="api-schema"),
    # The split view serves Swagger UI's start-up script as a file: no inline script.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    # Anything else under /api/ answers the JSON error envelope, not an HTML page.
    re_path(r"^api/", api_not_found, name="api-not-found"),
]
