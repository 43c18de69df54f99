"""A token request reads the token, its user and the user's roles in one
query; what each role may do is the permission matrix's business."""

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from accounts import roles
from tests.conftest import client_as
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

MY_ORDERS = "/api/v1/orders/?page_size=1"


def _auth_queries(client: APIClient) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(MY_ORDERS)
    assert response.status_code == 200, response.content
    return [q["sql"] for q in captured.captured_queries if "auth_group" in q["sql"]]


def test_the_token_and_the_roles_come_in_one_query():
    queries = _auth_queries(client_as(UserFactory(role=roles.CUSTOMER)))

    assert len(queries) == 1
    assert "accounts_apitoken" in queries[0]


@pytest.mark.parametrize(
    ("groups", "path", "status"),
    [
        ([roles.CUSTOMER], "/api/v1/orders/", 200),
        ([roles.CUSTOMER], "/api/v1/review-queue/", 403),
        ([roles.AGENT, roles.SENIOR_AGENT], "/api/v1/review-queue/", 200),
        ([roles.INTEGRATION], "/api/v1/refunds/", 403),
        (["not-a-role"], "/api/v1/orders/", 403),
        ([], "/api/v1/orders/", 403),
    ],
)
def test_the_roles_read_with_the_token_decide_what_it_may_do(groups, path, status):
    user = UserFactory()
    user.groups.add(*(Group.objects.get_or_create(name=name)[0] for name in groups))

    assert client_as(user).get(path).status_code == status


def test_a_superuser_holds_every_role_whatever_its_groups():
    user = UserFactory()
    user.is_superuser = True
    user.save()

    assert client_as(user).get("/api/v1/review-queue/").status_code == 200


def test_an_unknown_token_and_an_inactive_user_are_refused():
    user = UserFactory(role=roles.CUSTOMER)
    client = client_as(user)
    user.is_active = False
    user.save()

    inactive = client.get(MY_ORDERS)
    unknown = APIClient(HTTP_AUTHORIZATION="Token " + "0" * 40).get(MY_ORDERS)

    assert (inactive.status_code, inactive.json()["code"]) == (401, "not_authenticated")
    assert (unknown.status_code, unknown.json()["code"]) == (401, "not_authenticated")
