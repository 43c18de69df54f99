"""The schema class: declares the error envelope on every operation, and
request constraints as tight as the serializers' own validation."""

from decimal import Decimal
from typing import Any

from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from rest_framework import serializers

from .api import ErrorSerializer, StrictSerializer

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
                # JSON whatever the operation's success answers (a CSV export too).
                response = self._get_response_for_code(
                    ErrorSerializer, code, media_types=["application/json"], direction=direction
                )
                response["description"] = _ERROR_DESCRIPTIONS[code]
                responses[code] = response
        return responses

    def get_filter_backends(self) -> list[Any]:
        # A GET with a filter set declares its filters, a list or not (the
        # payout export filters like the list).
        if self.method == "GET" and getattr(self.view, "filterset_class", None) is not None:
            return list(getattr(self.view, "filter_backends", []))
        return []

    def _map_basic_serializer(self, serializer: Any, direction: Any) -> dict[str, Any]:
        schema: dict[str, Any] = super()._map_basic_serializer(serializer, direction)
        if direction == "request" and isinstance(serializer, StrictSerializer):
            # It refuses fields it does not know (400): say so.
            schema["additionalProperties"] = False
        return schema

    def _map_serializer_field(
        self, field: Any, direction: Any, bypass_extensions: bool = False
    ) -> dict[str, Any]:
        schema: dict[str, Any] = super()._map_serializer_field(field, direction, bypass_extensions)
        if direction != "request":
            return schema
        if isinstance(field, serializers.DecimalField) and "pattern" in schema:
            schema["pattern"] = decimal_pattern(field) or schema["pattern"]
        elif (
            type(field) is serializers.CharField
            and field.trim_whitespace
            and not field.allow_blank
            and "pattern" not in schema
        ):
            # DRF strips the value before it checks it is not blank, and
            # refuses NUL anywhere: say so, or "  " looks valid.
            schema["pattern"] = NOT_BLANK_PATTERN
        return schema


# At least one character Python's str.strip() keeps, and no NUL.
NOT_BLANK_PATTERN = r"^[^\x00]*[^\s\x00\x1c-\x1f\x85][^\x00]*$"


def decimal_pattern(field: serializers.DecimalField) -> str | None:
    """A pattern for a decimal sent as a string that admits what the field
    accepts within its sign, digits and minimum: drf-spectacular's own admits
    a minus sign, an empty string and zero whatever ``min_value`` says.
    ``None`` where the minimum is not one the pattern can express."""
    whole = field.max_whole_digits
    places = field.decimal_places
    minimum = field.min_value
    if whole is None or not places or minimum is None or whole < 1:
        return None
    unit = Decimal(1).scaleb(-places)
    if minimum == 0:
        return rf"^[0-9]{{1,{whole}}}(?:\.[0-9]{{1,{places}}})?$"
    if minimum != unit:
        return None
    # Positive: a non-zero whole part, or a fraction with a non-zero digit.
    fractions = "|".join(
        "0" * zeros + "[1-9]" + (f"[0-9]{{0,{rest}}}" if (rest := places - 1 - zeros) else "")
        for zeros in range(places)
    )
    return rf"^(?:[1-9][0-9]{{0,{whole - 1}}}(?:\.[0-9]{{1,{places}}})?|0?\.(?:{fractions}))$"


# Response fields that are not always sent: what only some readers get
# (staff-only fields of a request and of its timeline), a line's approved
# amount before a decision, and the error envelope's extras. Every other
# field of an answer is sent every time, null or not, and marked required.
OPTIONAL_RESPONSE_FIELDS = {
    "Refund": {"risk", "assignee", "liability"},
    "Timeline": {"internal"},
    "BreakdownLine": {"approved"},
    "Error": {"rule", "request", "retry_after", "fields"},
}


def optional_fields_hook(result: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """Marks every field of an answer required (a generated client then
    reads it as always there), but those in ``OPTIONAL_RESPONSE_FIELDS``.
    Request bodies (components named ``*Request``) keep their own."""
    schemas = result.get("components", {}).get("schemas", {})
    for name, component in schemas.items():
        properties = component.get("properties")
        if not properties or name.endswith("Request"):
            continue
        optional = OPTIONAL_RESPONSE_FIELDS.get(name, set())
        required = [field for field in properties if field not in optional]
        if required:
            component["required"] = required
        else:
            component.pop("required", None)
    return result


def parameter_enums_hook(result: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """A query parameter whose values are those of a named enum refers to
    it, so that a generated client has one type for a status, not one per
    operation (drf-spectacular names the enums of bodies and answers only)."""
    schemas = result.get("components", {}).get("schemas", {})
    named = {
        tuple(sorted(component["enum"])): name
        for name, component in schemas.items()
        if "enum" in component and "" not in component["enum"]
    }
    for item in result.get("paths", {}).values():
        for operation in item.values():
            for parameter in operation.get("parameters", []) if isinstance(operation, dict) else []:
                values = parameter.get("schema", {}).get("enum")
                name = named.get(tuple(sorted(values))) if values else None
                if name:
                    parameter["schema"] = {"$ref": f"#/components/schemas/{name}"}
    return result
