"""Every edit of the refund policy is kept: the admin's history page shows
who changed which number from what to what."""

from decimal import Decimal

import pytest
from django.test import Client

from refunds.models import RefundPolicy
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def admin_edit(client: Client, policy: RefundPolicy, **changes: str) -> None:
    url = f"/admin/refunds/refundpolicy/{policy.pk}/change/"
    form = client.get(url).context["adminform"].form
    data = {name: form[name].value() for name in form.fields}
    data = {k: ("" if v is None else v) for k, v in data.items()}
    data.update(changes)
    response = client.post(url, data)
    assert response.status_code == 302, response.content


def test_an_edit_in_the_admin_shows_old_and_new_values_on_the_history_page():
    policy = RefundPolicy.current()
    manager = UserFactory(is_staff=True, is_superuser=True, username="wang.manager")
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(manager)

    admin_edit(client, policy, auto_approve_limit="45.50", grace_minutes="40")

    assert RefundPolicy.current().auto_approve_limit == Decimal("45.50")
    page = client.get(f"/admin/refunds/refundpolicy/{policy.pk}/history/")
    assert page.status_code == 200
    text = " ".join(page.content.decode().split())
    assert "Auto-approve limit (CNY):</strong> 30.00 &nbsp;&rarr;&nbsp;&nbsp;45.50" in text
    assert "Grace after the promised time (min):</strong> 30 &nbsp;&rarr;&nbsp;&nbsp;40" in text
    assert "wang.manager" in text
    assert policy.history.count() == 2
