"""Whole-database backups as one JSON document: every table's rows, restorable into an empty database.

Rows are read and written with SQLAlchemy Core in the tables' dependency order, so foreign keys
hold at every step; dates, times and enums become ISO strings and values.  The caller owns the
transaction (an import either restores everything or nothing).
"""

from __future__ import annotations

import enum
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import Column, Connection, Date, DateTime, Enum, Table, Time, func, insert, select, text
from sqlalchemy.types import TypeDecorator

from rota.db import metadata
from rota.errors import FieldError, InvalidInput

FORMAT = "eldercare-rota-backup"
FORMAT_VERSION = 1


def export_all(connection: Connection) -> dict[str, Any]:
    """Every row of every table, table by table in dependency order."""
    tables = {
        table.name: [{c: _encode(v) for c, v in row._mapping.items()} for row in connection.execute(
            select(table).order_by(*table.primary_key.columns))]
        for table in metadata().sorted_tables
    }  # fmt: skip
    return {"format": FORMAT, "version": FORMAT_VERSION, "tables": tables}


def import_all(connection: Connection, data: dict[str, Any]) -> int:
    """Restore an export into an empty migrated database; the number of rows written."""
    if data.get("format") != FORMAT or data.get("version") != FORMAT_VERSION:
        raise InvalidInput("not a backup file", [FieldError("format", f"expected {FORMAT} version 1")])
    tables = metadata().sorted_tables
    nonempty = [t.name for t in tables if connection.scalar(select(func.count()).select_from(t))]
    if nonempty:
        raise InvalidInput("the database is not empty", [FieldError(n, "has rows") for n in nonempty])
    written = 0
    for table in tables:
        rows = [_decode_row(table, row) for row in data.get("tables", {}).get(table.name, [])]
        if rows:
            connection.execute(insert(table), rows)
            written += len(rows)
    if connection.dialect.name == "postgresql":
        _reset_sequences(connection, tables)
    return written


def _encode(value: Any) -> Any:
    """A column value as JSON."""
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return value


def _decode_row(table: Table, row: dict[str, Any]) -> dict[str, Any]:
    """A JSON row as column values; unknown columns are refused."""
    unknown = set(row) - set(table.columns.keys())
    if unknown:
        errors = [FieldError(f"{table.name}.{c}", "no such column") for c in sorted(unknown)]
        raise InvalidInput("the backup does not fit this schema", errors)
    return {name: _decode(table.columns[name], value) for name, value in row.items()}


def _decode(column: Column[Any], value: Any) -> Any:
    """A JSON value as the column's Python type."""
    if value is None:
        return None
    kind = column.type
    if isinstance(kind, TypeDecorator):
        kind = kind.impl_instance
    for sql_type, python_type in ((DateTime, datetime), (Date, date), (Time, time)):
        if isinstance(kind, sql_type):
            return python_type.fromisoformat(value)
    if isinstance(kind, Enum) and kind.enum_class is not None:
        return kind.enum_class(value)
    return value


def _reset_sequences(connection: Connection, tables: list[Table]) -> None:
    """Point PostgreSQL's id sequences past the restored ids."""
    for table in tables:
        if "id" not in table.columns or not table.columns["id"].autoincrement:
            continue
        connection.execute(
            text(f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                 f"COALESCE((SELECT max(id) FROM \"{table.name}\"), 0) + 1, false)")
        )  # fmt: skip
