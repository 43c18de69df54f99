"""PostgreSQL itself keeps the conversation append-only: a trigger refuses
to edit or delete a message, whatever the code that asks."""

import pytest
from django.db import DatabaseError, connection, transaction

from accounts import roles
from refunds.models import Message, RefundRequest
from refunds.services import refund_message_post
from tests.conftest import client_as
from tests.factories import UserFactory, create_order


@pytest.mark.postgres
@pytest.mark.django_db
def test_postgresql_itself_refuses_to_edit_or_delete_a_message(customer):
    order = create_order(customer=customer)
    client_as(customer).post(
        "/api/v1/refunds/", {"order": order.number, "reason": "other"}, format="json"
    )
    refund = RefundRequest.objects.get(order=order)
    message = refund_message_post(
        refund=refund, author=UserFactory(role=roles.AGENT), body="请补充一张清晰的照片"
    )
    for sql in (
        "UPDATE refunds_message SET body = 'edited' WHERE id = %s",
        "UPDATE refunds_message SET asks_customer = true WHERE id = %s",
        "DELETE FROM refunds_message WHERE id = %s",
    ):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql, [message.pk])
    kept = Message.objects.get(pk=message.pk)
    assert (kept.body, kept.asks_customer) == ("请补充一张清晰的照片", False)
    assert Message.objects.filter(request=refund).count() == 1
