"""Object-level permissions: one customer against another's objects.

Every operation of the permission matrix (``test_permissions.py``) that
names an object in its path is tried by a customer who does not own the
object: where customers may use the operation at all (the matrix's
customer cell is a success), the answer is 404 ``not_found``, never 403 and
never the data; where they may not, 403 ``forbidden``, whoever owns the
object, so that 403 says nothing about it. For every method on such a path
the answer is the same as for an id that does not exist. A refused call
changes nothing.
"""

import pytest

from accounts import roles
from tests.conftest import client_as
from tests.factories import UserFactory
from tests.scenes import shows_none_of, snapshot
from tests.test_permissions import CALLS, MATRIX, METHODS, Operation, call

MISSING_ID = "999999"
OBJECT_OPERATIONS = [operation for operation in MATRIX if "{" in operation.path]


def customers_may_use(operation: Operation) -> bool:
    return MATRIX[operation][roles.CUSTOMER] < 400


def test_an_object_path_names_one_object() -> None:
    # One owner's one object per row: a second placeholder would dodge the owner checks.
    assert [str(o) for o in OBJECT_OPERATIONS if o.path.count("{") != 1] == []


@pytest.mark.django_db
@pytest.mark.parametrize("operation", OBJECT_OPERATIONS, ids=str)
def test_another_customers_object(operation: Operation) -> None:
    scene = CALLS[str(operation)].scene(UserFactory(role=roles.CUSTOMER))
    before = snapshot()
    stranger = client_as(UserFactory(role=roles.CUSTOMER))

    response = call(stranger, operation, scene)

    expected = 404 if customers_may_use(operation) else 403
    assert response.status_code == expected, response.content
    body = response.json()
    assert body["code"] == {403: "forbidden", 404: "not_found"}[expected]
    assert body["detail"]
    shows_none_of(response, scene.secrets)
    assert snapshot() == before


@pytest.mark.django_db
@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize(
    "path", sorted({operation.path for operation in OBJECT_OPERATIONS}), ids=str
)
def test_another_customers_object_answers_as_if_it_did_not_exist(path: str, method: str) -> None:
    """Whatever the method: the same status and code as for a missing id, and
    none of the object's data."""
    declared = [operation for operation in OBJECT_OPERATIONS if operation.path == path]
    operation = next((o for o in declared if o.method == method), declared[0])
    scene = CALLS[str(operation)].scene(UserFactory(role=roles.CUSTOMER))
    before = snapshot()
    stranger = client_as(UserFactory(role=roles.CUSTOMER))
    missing = type(scene)(scene.owner, scene.order, MISSING_ID)

    theirs = call(stranger, operation, scene, method=method)
    absent = call(stranger, operation, missing, method=method)

    assert theirs.status_code == absent.status_code, theirs.content
    assert theirs.json()["code"] == absent.json()["code"]
    assert theirs.status_code in (403, 404, 405)
    if operation.method == method and customers_may_use(operation):
        assert theirs.status_code == 404
    shows_none_of(theirs, scene.secrets)
    assert snapshot() == before
