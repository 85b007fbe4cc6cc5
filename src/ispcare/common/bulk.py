"""Write many rows fast: the outbox's bulk paths (100,000 messages in one send).

Django's bulk_update builds one CASE expression per field and row; for a few hundred
rows that is slower than the work it saves. One parameterised UPDATE per row, sent with
executemany (pipelined by psycopg on PostgreSQL, in-process on SQLite), is not. And
bulk_create spends most of its time preparing values that COPY takes as they are.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connection, models
from django.utils import timezone


def rows_update(rows: Sequence[models.Model], fields: Sequence[str]) -> None:
    """UPDATE each row's `fields` to its current attribute values, by primary key."""
    if not rows:
        return
    model = type(rows[0])
    meta = model._meta
    qn = connection.ops.quote_name
    columns = [meta.get_field(name) for name in fields]
    assignments = ", ".join(f"{qn(f.column)} = %s" for f in columns)
    # Identifiers come from the model's own metadata, quoted; values are parameters.
    sql = f"UPDATE {qn(meta.db_table)} SET {assignments} WHERE {qn(meta.pk.column)} = %s"  # noqa: S608
    params = [
        [f.get_db_prep_save(getattr(row, f.attname), connection) for f in columns] + [row.pk]
        for row in rows
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)


def rows_insert(model: type[models.Model], rows: Sequence[dict[str, Any]]) -> None:
    """INSERT plain dicts of attribute values: COPY on PostgreSQL, executemany elsewhere.

    Fields a dict leaves out get their model default (auto_now_add: now). The caller
    guarantees no unique conflicts (COPY has no ON CONFLICT): this is for rows it has
    just made, such as a new bulk send's messages.
    """
    if not rows:
        return
    now = timezone.now()
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    defaults: dict[str, Any] = {}
    for f in fields:
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            defaults[f.attname] = now
        else:  # the default, or "" for strings / None for nullable fields
            defaults[f.attname] = f.get_default()
    qn = connection.ops.quote_name
    columns = ", ".join(qn(f.column) for f in fields)
    if connection.vendor != "postgresql":
        _rows_executemany(model, fields, defaults, rows)
        return
    from psycopg.types.json import Jsonb

    plain = [(f.attname, defaults[f.attname]) for f in fields]
    json_at = [i for i, f in enumerate(fields) if isinstance(f, models.JSONField)]
    sql = f"COPY {qn(model._meta.db_table)} ({columns}) FROM STDIN"
    # Errors as Django's (IntegrityError for a duplicate), like any other statement's.
    with (
        connection.wrap_database_errors,
        connection.cursor() as cursor,
        cursor.cursor.copy(sql) as copy,
    ):
        write = copy.write_row
        for row in rows:
            get = row.get
            values = [get(name, default) for name, default in plain]
            for i in json_at:
                values[i] = Jsonb(values[i])
            write(values)


_NATIVE = (int, str, float, type(None))  # what the database driver takes as it is


def _rows_executemany(model, fields, defaults, rows) -> None:
    """One parameterised INSERT run for every row (SQLite): Django's bulk_create builds a
    model instance and runs the compiler over every value, several times this cost.
    Values the driver takes as they are (ints, plain strings, None) pass through; the
    rest (dates, times, choices, JSON) go through the field's own conversion."""
    qn = connection.ops.quote_name
    sql = (
        f"INSERT INTO {qn(model._meta.db_table)} ({', '.join(qn(f.column) for f in fields)})"  # noqa: S608
        f" VALUES ({', '.join(['%s'] * len(fields))})"
    )
    spec = [(f.attname, defaults[f.attname], f, isinstance(f, models.JSONField)) for f in fields]
    params = []
    for row in rows:
        get = row.get
        values = []
        for name, default, f, is_json in spec:
            v = get(name, default)
            if is_json or type(v) not in _NATIVE:
                v = f.get_db_prep_save(v, connection)
            values.append(v)
        params.append(values)
    with connection.cursor() as cursor:
        for i in range(0, len(params), 5000):
            cursor.executemany(sql, params[i : i + 5000])
