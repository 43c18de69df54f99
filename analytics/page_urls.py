from django.urls import path

from . import pages

urlpatterns = [
    path("dashboard/", pages.dashboard, name="analytics-dashboard"),
    path("dashboard/export.csv", pages.export_csv, name="analytics-export-csv"),
    path("dashboard/export.xlsx", pages.export_xlsx, name="analytics-export-xlsx"),
]
