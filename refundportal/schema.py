"""The schema class: declares the error envelope on every operation."""

from typing import Any

from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema

from .api import ErrorSerializer

_ERROR_DESCRIPTIONS = {
    "400": "Invalid input (`validation_error`) or a refusal with its own code.",
    "401": "Not authenticated (`not_authenticated`).",
    "403": "The role may not do this (`forbidden`).",
    "404": "No such object, or not yours (`not_found`).",
    "405": "Method not allowed (`method_not_allowed`).",
    "406": "Not acceptable (`not_acceptable`).",
    "409": "The object's state does not allow this (`conflict`).",
    "413": "The request body is too large (`payload_too_large`).",
    "415": "Unsupported media type (`unsupported_media_type`).",
    "429": "Too many requests (`throttled`).",
}


class AutoSchema(SpectacularAutoSchema):
    """Declares the error envelope for every 4xx an operation can answer, so
    that a client generated from the schema meets no undeclared response."""

    def _get_response_bodies(self, direction: Any = "response") -> dict[str, Any]:
        responses: dict[str, Any] = super()._get_response_bodies(direction)
        codes = ["400", "401", "403", "404", "405", "406", "429"]
        if self.method in ("POST", "PUT", "PATCH"):
            codes += ["409", "413", "415"]
        for code in codes:
            if code not in responses:
                response = self._get_response_for_code(ErrorSerializer, code, direction=direction)
                response["description"] = _ERROR_DESCRIPTIONS[code]
                responses[code] = response
        return responses


# Response fields that only some readers get (staff-only fields of a
# request): listed in the schema but not required.
OPTIONAL_RESPONSE_FIELDS = {"Refund": {"risk", "assignee"}}


def optional_fields_hook(result: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    schemas = result.get("components", {}).get("schemas", {})
    for name, fields in OPTIONAL_RESPONSE_FIELDS.items():
        component = schemas.get(name)
        if component and "required" in component:
            component["required"] = [f for f in component["required"] if f not in fields]
    return result
