from django.urls import path

from . import pages

urlpatterns = [
    path("notifications/", pages.notification_list, name="notifications"),
    path("notifications/read-all/", pages.notification_read_all, name="notifications-read-all"),
]
