from typing import Any

import pytest

from tests.refundportal.schema_support import SCHEMA


@pytest.fixture
def schema(api: Any) -> dict[str, Any]:
    """The schema as a client downloads it."""
    response = api.get(SCHEMA, {"format": "json"})
    assert response.status_code == 200
    return response.json()
