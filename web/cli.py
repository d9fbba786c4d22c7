"""The ``rota`` command with the web app's additions: ``serve``, ``worker``, and demo logins after ``demo``.

``main`` is ``rota.cli.main``'s commands plus ``serve`` and ``worker``; its ``demo`` also creates
one demo account per role at each station and prints the logins once (demo data only).
``serve --workers N`` (N > 1) runs gunicorn with N processes; solves then go to the Redis queue
(``ROTA_REDIS_URL``) that ``rota worker`` processes take them from.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
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
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    default=1,
    show_default=True,
    help="Web processes; more than 1 runs gunicorn and needs ROTA_REDIS_URL for the solve queue.",
)
def serve(host: str, port: int, workers: int) -> None:
    """Serve the web app (one process with threads by default; gunicorn with --workers N)."""
    if workers > 1:
        _serve_gunicorn(host, port, workers)
        return
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


def _serve_gunicorn(host: str, port: int, workers: int) -> None:
    """Run N gunicorn worker processes, each with its own app (and its own database pool)."""
    if not os.environ.get("ROTA_REDIS_URL"):
        raise click.UsageError("--workers > 1 needs ROTA_REDIS_URL: solves must go to a shared queue")
    from gunicorn.app.base import BaseApplication

    from web import create_app

    class Server(BaseApplication):  # type: ignore[misc]
        """gunicorn configured from our options instead of its command line."""

        def load_config(self) -> None:
            """Bind address, processes, threads and access log."""
            options = {"bind": f"{host}:{port}", "workers": workers, "threads": 4, "timeout": 60,
                       "worker_class": "gthread", "accesslog": None}  # fmt: skip
            for key, value in options.items():
                self.cfg.set(key, value)

        def load(self) -> Any:
            """One app per worker process."""
            return create_app()

    click.echo(f"Serving on http://{host}:{port}/ with {workers} processes (Ctrl-C to stop)", err=True)
    Server().run()


AUTOGROUP = Path("/proc/self/autogroup")


def lower_priority(niceness: int) -> None:
    """Give this process (and the work horses it forks) the CPU only after the web processes.

    A solve takes every core it is given for its whole time limit; the web processes on the same
    machine should win the CPU whenever a request comes in.  A nice value alone is not enough on
    Linux: the scheduler first shares the CPU equally between sessions ("autogroups") and applies
    nice values only inside one, so a worker started in its own session (systemd, a container,
    ``setsid``) would compete with gunicorn's session as an equal at any niceness.  A worker that
    leads its session therefore gives that session the niceness as well; it holds only the worker.
    """
    os.nice(niceness)
    if niceness and AUTOGROUP.exists() and os.getsid(0) == os.getpid():
        with contextlib.suppress(OSError):  # a kernel without autogroups, or a read-only /proc
            AUTOGROUP.write_text(f"{niceness}\n")


@click.command()
@click.option("--burst", is_flag=True, help="Stop once the queue is empty (tests, batch runs).")
@click.option(
    "--nice",
    "niceness",
    type=click.IntRange(0, 19),
    default=10,
    show_default=True,
    envvar="ROTA_WORKER_NICE",
    help="Lower CPU priority of the solves (0 = as the web processes), so pages stay fast during a solve.",
)
def worker(burst: bool, niceness: int) -> None:
    """Run solve jobs from the Redis queue (ROTA_REDIS_URL) on the database (ROTA_DATABASE_URL)."""
    url = os.environ.get("ROTA_REDIS_URL")
    if not url:
        raise click.UsageError("set ROTA_REDIS_URL to the Redis server holding the solve queue")
    lower_priority(niceness)
    from rq import Worker

    from rota.jobs import QUEUE, connect

    click.echo(f"Solve worker on queue {QUEUE!r} (Ctrl-C to stop)", err=True)
    Worker([QUEUE], connection=connect(url)).work(burst=burst, logging_level="WARNING")


@click.command(name="demo")
@click.pass_context
def demo(ctx: click.Context, /, **options: Any) -> None:
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
    commands = dict(rota_cli.main.commands) | {"demo": demo, "serve": serve, "worker": worker}
    return rota_cli.RotaGroup(name="rota", commands=commands, help=rota_cli.main.help)


main = _group()
