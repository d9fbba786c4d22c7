"""``rota export-all`` and ``rota import-all``: the whole database as one JSON file and back."""

from __future__ import annotations

import json
from pathlib import Path

import click

from rota.backup import export_all, import_all
from rota.db import database_url, make_engine


@click.command(name="export-all")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path))
def export_all_command(output: Path) -> None:
    """Write every table of the database to one JSON file."""
    engine = make_engine(database_url())
    try:
        with engine.begin() as connection:
            data = export_all(connection)
    finally:
        engine.dispose()
    output.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    rows = sum(len(r) for r in data["tables"].values())
    click.echo(f"Exported {rows} rows of {len(data['tables'])} tables to {output}", err=True)


@click.command(name="import-all")
@click.argument("backup", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_all_command(backup: Path) -> None:
    """Restore a JSON backup into an empty, migrated database (all or nothing)."""
    data = json.loads(backup.read_text(encoding="utf-8"))
    engine = make_engine(database_url())
    try:
        with engine.begin() as connection:
            rows = import_all(connection, data)
    finally:
        engine.dispose()
    click.echo(f"Imported {rows} rows from {backup}", err=True)
