"""Orders come from the ordering system: the admin shows them and never
adds, changes or deletes one, not even for a superuser."""

import pytest
from django.contrib import admin
from django.test import RequestFactory

from orders.models import Order
from tests.factories import UserFactory
from tests.refundportal.admin_support import admin_browser, refund_with_history

pytestmark = pytest.mark.django_db

LIST = "/admin/orders/order/"


def test_a_superuser_reads_an_order_but_cannot_add_change_or_delete_it():
    order = refund_with_history(steps=1).order
    browser = admin_browser()

    listing = browser.get(LIST).content.decode()
    page = browser.get(f"{LIST}{order.pk}/change/")
    add = browser.get(f"{LIST}add/")
    change = browser.post(f"{LIST}{order.pk}/change/", {"number": "EDITED", "status": "failed"})
    delete = browser.post(f"{LIST}{order.pk}/delete/", {"post": "yes"})
    bulk = browser.post(
        LIST, {"action": "delete_selected", "_selected_action": [order.pk], "post": "yes"}
    )

    assert page.status_code == 200 and order.number in page.content.decode()
    assert f'href="{LIST}add/"' not in listing
    assert 'value="delete_selected"' not in listing
    assert add.status_code == 403
    assert change.status_code == 403
    assert delete.status_code == 403
    assert bulk.status_code in (200, 302, 403)
    order.refresh_from_db()
    assert order.number != "EDITED"
    assert Order.objects.filter(pk=order.pk).exists()


def test_the_order_admin_grants_no_add_or_delete_to_anyone():
    superuser = UserFactory(is_superuser=True, is_staff=True)
    request = RequestFactory().get(LIST)
    request.user = superuser
    order_admin = admin.site._registry[Order]

    assert order_admin.has_add_permission(request) is False
    assert order_admin.has_delete_permission(request) is False
    assert order_admin.has_delete_permission(request, Order(number="X")) is False
    for inline in order_admin.get_inline_instances(request, None):
        assert inline.has_add_permission(request, None) is False
        assert inline.has_delete_permission(request, None) is False
