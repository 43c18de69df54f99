"""The refund policy refuses numbers that make no sense, on every path:
the model itself, and so the admin and anything else that saves it."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from refunds.models import RefundPolicy
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("auto_approve_limit", Decimal("-5.00")),
        ("high_amount", Decimal("-0.01")),
        ("late_tier1_percent", 101),
        ("grace_minutes", -1),
    ],
)
def test_the_model_refuses_a_nonsense_policy(field, value):
    policy = RefundPolicy.current()
    setattr(policy, field, value)

    with pytest.raises(ValidationError) as refused:
        policy.save()

    assert field in refused.value.message_dict
    assert getattr(RefundPolicy.current(), field) != value


def test_the_admin_refuses_a_negative_auto_approve_limit():
    policy = RefundPolicy.current()
    admin = UserFactory(is_staff=True, is_superuser=True)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(admin)
    url = f"/admin/refunds/refundpolicy/{policy.pk}/change/"
    form = client.get(url).context["adminform"].form
    data = {name: form[name].value() for name in form.fields}
    data = {k: ("" if v is None else v) for k, v in data.items()}
    data["auto_approve_limit"] = "-5"

    response = client.post(url, data)

    assert response.status_code == 200  # the form again, with the error
    assert "greater than or equal to 0" in response.content.decode()
    assert RefundPolicy.current().auto_approve_limit == Decimal("30.00")
