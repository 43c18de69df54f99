from django.urls import path

from .views import MonthlyKpiView

urlpatterns = [
    path("analytics/monthly/", MonthlyKpiView.as_view(), name="analytics-monthly"),
]
