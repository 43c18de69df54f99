"""Hand-written SQL for the filing path, typed as the ORM types it.

Building and compiling a query with the ORM costs a filing about ten times
what running it costs (0.3-0.5 ms of Python against 0.04 ms for the row
read). The few reads every filing makes are therefore written in SQL in the
selectors; this module gives them the ORM's column lists and conversions,
so that their rows come back as the same values and model instances, on
SQLite as on PostgreSQL (SQLite hands back decimals as floats and datetimes
as strings; JSON columns arrive as text). Tests hold each read equal to its
ORM form on both databases.

``insert`` writes new rows the way ``bulk_create`` does (each field's
``pre_save`` and ``get_db_prep_save``, the primary keys read back), with
the statement built once per model and row count instead of on every call.
"""

from collections.abc import Callable, Iterable, Sequence
from functools import cache
from typing import Any, TypeVar

from django.db import connection
from django.db.models import Field, Model

M = TypeVar("M", bound=Model)
Converter = Callable[[Any, Any, Any], Any]
Plan = tuple[tuple[int, Any, tuple[Converter, ...]], ...]


def columns(model: type[Model]) -> str:
    """The model's concrete columns, each qualified with its table, in the
    order ``instance`` takes their values."""
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    return ", ".join(f"{table}.{quote(f.column)}" for f in model._meta.concrete_fields)


def concrete_fields(model: type[Model]) -> tuple[Field, ...]:
    return tuple(model._meta.concrete_fields)


def model_fields(model: type[Model], *names: str) -> tuple[Field, ...]:
    """The model's fields by name, to type the columns a query reads."""
    found = tuple(model._meta.get_field(name) for name in names)
    return tuple(f for f in found if isinstance(f, Field) and f.concrete)


@cache
def _plan(vendor: str, fields: tuple[Field, ...]) -> Plan:
    """For each column that needs one, the ORM's converters (the backend's,
    then the field's own), as the compiler would apply them."""
    plan = []
    for index, field in enumerate(fields):
        column = field.get_col(field.model._meta.db_table)
        converters = connection.ops.get_db_converters(column) + column.get_db_converters(connection)
        if converters:
            plan.append((index, column, tuple(converters)))
    return tuple(plan)


def typed(rows: Iterable[Sequence[Any]], fields: Sequence[Field]) -> list[list[Any]]:
    """The rows with each value converted as the ORM converts ``fields``'
    columns (one field per column, in order)."""
    plan = _plan(connection.vendor, tuple(fields))
    out = []
    for row in rows:
        values = list(row)
        for index, column, converters in plan:
            value = values[index]
            for converter in converters:
                value = converter(value, column, connection)
            values[index] = value
        out.append(values)
    return out


def fetch(sql: str, params: Sequence[Any], fields: Sequence[Field]) -> list[list[Any]]:
    """Run ``sql`` and type its rows by ``fields``."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return typed(cursor.fetchall(), fields)


def instance(model: type[M], values: Sequence[Any]) -> M:
    """A model instance from its concrete columns' typed values, as the ORM
    builds one from a row."""
    return model.from_db(connection.alias, _attnames(model), values)


@cache
def _attnames(model: type[Model]) -> list[str]:
    return [f.attname for f in model._meta.concrete_fields]


def datetime_param(value: Any) -> Any:
    """A datetime as the ORM passes it to the database in a filter."""
    return connection.ops.adapt_datetimefield_value(value)


@cache
def _insert_plan(vendor: str, model: type[Model], rows: int) -> tuple[str, tuple[Field, ...]]:
    quote = connection.ops.quote_name
    opts = model._meta
    fields = tuple(f for f in opts.concrete_fields if f is not opts.pk and not f.generated)
    placeholders = "(" + ", ".join(["%s"] * len(fields)) + ")"
    sql = (
        f"INSERT INTO {quote(opts.db_table)} "  # noqa: S608
        f"({', '.join(quote(f.column) for f in fields)}) "
        f"VALUES {', '.join([placeholders] * rows)} "
        f"RETURNING {quote(opts.pk.column)}"
    )
    return sql, fields


def insert(objects: Sequence[M]) -> list[M]:
    """Write new rows of one model (primary keys left to the database) in
    one statement, as ``bulk_create`` writes them: no ``save()``, no
    signals. Each object gets its primary key and counts as saved."""
    if not objects:
        return []
    if not connection.features.can_return_rows_from_bulk_insert:
        # (SQLite before 3.35: no RETURNING, so one row at a time.)
        for obj in objects:
            obj.save(force_insert=True)
        return list(objects)
    sql, fields = _insert_plan(connection.vendor, type(objects[0]), len(objects))
    params = [
        field.get_db_prep_save(field.pre_save(obj, True), connection)
        for obj in objects
        for field in fields
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        keys = cursor.fetchall()
    for obj, (key,) in zip(objects, keys, strict=True):
        obj.pk = key
        obj._state.adding = False
        obj._state.db = connection.alias
    return list(objects)
