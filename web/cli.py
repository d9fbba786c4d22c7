"""The ``rota`` command with the web app's additions: ``serve``, and demo logins after ``demo``.

``main`` is ``rota.cli.main``'s commands plus ``serve``; its ``demo`` also creates one demo
account per role at each station and prints the logins once (demo data only).
"""

from __future__ import annotations

from typing import Any

import click
from sqlalchemy import select
from sqlalchemy.orm import Session

from rota import cli as rota_cli
from rota.accounts import seed_demo_accounts
from rota.db import database_url, make_engine
from rota.models import Station


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(1, 65535), default=5000, show_default=True)
def serve(host: str, port: int) -> None:
    """Serve the web app (the embedded default: threads for requests and background solves)."""
    from werkzeug.serving import run_simple

    from web import create_app
    from web.db import dispose
    from web.jobs import registry

    app = create_app()
    click.echo(f"Serving on http://{host}:{port}/ (Ctrl-C to stop)", err=True)
    try:
        run_simple(host, port, app, threaded=True, use_reloader=False)
    finally:
        registry(app).shutdown(timeout=5)
        dispose(app)


@click.command(name="demo")
@click.pass_context
def demo(ctx: click.Context, **options: Any) -> None:
    """Seed a demo station (or a district of them) and create one demo login per role."""
    ctx.invoke(rota_cli.demo, **options)
    engine = make_engine(database_url())
    try:
        with Session(engine) as session, session.begin():
            stations = session.scalars(select(Station).order_by(Station.id).limit(1)).all()
            created = [row for station in stations for row in seed_demo_accounts(session, station)]
    finally:
        engine.dispose()
    if created:
        click.echo("Demo logins (shown once; demo data only):")
        for role, username, password in created:
            click.echo(f"  {role:<12} {username:<20} {password}")


demo.params = list(rota_cli.demo.params)
demo.help = rota_cli.demo.help


def _group() -> click.Group:
    """A fresh group holding the rota commands, the web's ``demo`` and ``serve``."""
    commands = dict(rota_cli.main.commands) | {"demo": demo, "serve": serve}
    return rota_cli.RotaGroup(name="rota", commands=commands, help=rota_cli.main.help)


main = _group()
