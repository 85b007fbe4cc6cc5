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
    """INSERT plain dicts of attribute values: COPY on PostgreSQL, bulk_create elsewhere.

    Fields a dict leaves out get their model default (auto_now_add: now). The caller
    guarantees no unique conflicts (COPY has no ON CONFLICT): this is for rows it has
    just made, such as a new bulk send's messages.
    """
    if not rows:
        return
    if connection.vendor != "postgresql":
        model.objects.bulk_create([model(**row) for row in rows], batch_size=1000)
        return
    from psycopg.types.json import Jsonb

    now = timezone.now()
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    defaults: dict[str, Any] = {}
    for f in fields:
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            defaults[f.attname] = now
        else:  # the default, or "" for strings / None for nullable fields
            defaults[f.attname] = f.get_default()
    json_fields = {f.attname for f in fields if isinstance(f, models.JSONField)}
    names = [f.attname for f in fields]
    qn = connection.ops.quote_name
    sql = f"COPY {qn(model._meta.db_table)} ({', '.join(qn(f.column) for f in fields)}) FROM STDIN"
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        for row in rows:
            values = [row.get(name, defaults[name]) for name in names]
            for i, name in enumerate(names):
                if name in json_fields:
                    values[i] = Jsonb(values[i])
            copy.write_row(values)
