"""Rows written by the database from a query (INSERT ... SELECT), so large audiences never pass
through Python: the campaign ledger, the journeys' ledger rows and their enrolments."""

from __future__ import annotations

from django.db import models, transaction
from django.db.models import QuerySet


def insert_select(model: type[models.Model], rows: QuerySet, columns: dict[str, object]) -> int:
    """Insert one `model` row per row of `rows`, each column given by the expression of the same
    name in `columns`; a row that breaks a unique constraint is skipped. Returns the rows written."""
    # Prefixed aliases: an annotation may not share a name with a field of the queried model.
    selected = rows.order_by().annotate(**{f"row_{name}": value for name, value in columns.items()})
    select, params = selected.values(*(f"row_{name}" for name in columns)).query.sql_with_params()
    database = transaction.get_connection()
    table = database.ops.quote_name(model._meta.db_table)
    names = ", ".join(database.ops.quote_name(name) for name in columns)
    with database.cursor() as cursor:
        # "WHERE true" lets SQLite read ON CONFLICT as the insert's, not the join's.
        cursor.execute(
            f"INSERT INTO {table} ({names}) SELECT * FROM ({select}) AS chosen "  # noqa: S608 - our own names
            "WHERE true ON CONFLICT DO NOTHING",
            params,
        )
        return cursor.rowcount
