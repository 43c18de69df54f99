import pytest
from django.db import DatabaseError, connection, transaction

from accounts import roles
from refunds.models import RefundRequest, TimelineEvent
from refunds.services import refund_note_add
from tests.conftest import client_as
from tests.factories import UserFactory, create_order


@pytest.mark.postgres
@pytest.mark.django_db
def test_postgresql_itself_refuses_to_edit_or_delete_the_timeline(customer):
    order = create_order(customer=customer)
    client_as(customer).post(
        "/api/v1/refunds/", {"order": order.number, "reason": "other"}, format="json"
    )
    event = TimelineEvent.objects.first()
    for sql in (
        "UPDATE refunds_timelineevent SET note = 'edited' WHERE id = %s",
        "DELETE FROM refunds_timelineevent WHERE id = %s",
    ):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql, [event.pk])
    assert TimelineEvent.objects.get(pk=event.pk).note == event.note


@pytest.mark.postgres
@pytest.mark.django_db
def test_postgresql_refuses_to_reveal_or_delete_an_internal_note(customer):
    order = create_order(customer=customer)
    client_as(customer).post(
        "/api/v1/refunds/", {"order": order.number, "reason": "other"}, format="json"
    )
    note = refund_note_add(
        refund=RefundRequest.objects.get(order=order),
        author=UserFactory(role=roles.AGENT),
        note="先核实骑手记录",
    )
    for sql in (
        "UPDATE refunds_timelineevent SET internal = false WHERE id = %s",
        "DELETE FROM refunds_timelineevent WHERE id = %s",
    ):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql, [note.pk])
    assert TimelineEvent.objects.get(pk=note.pk).internal is True
