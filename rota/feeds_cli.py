"""``rota feed-url PERSON``: print a person's calendar subscription URL for setting up a phone by hand.

Only a hash of each feed token is stored, so an existing URL cannot be shown again: the command
issues a new token (old subscriptions keep working unless ``--reissue`` revokes them).
"""

from __future__ import annotations

import io
import os
from datetime import UTC, datetime

import click
import segno
from sqlalchemy.orm import Session

from rota import db
from rota.feeds import (
    DEFAULT_BASE_URL,
    find_person,
    issue_token,
    person_feed_path,
    revoke_and_reissue,
    subscription_urls,
)

BASE_URL_ENV = "ROTA_BASE_URL"


def base_url() -> str:
    """The public base URL of the web app: ``ROTA_BASE_URL`` or the development server's."""
    return os.environ.get(BASE_URL_ENV) or DEFAULT_BASE_URL


@click.command(name="feed-url")
@click.argument("person")
@click.option("--reissue", is_flag=True, help="Revoke the person's existing feed URLs first.")
@click.option("--lang", type=click.Choice(["zh", "en"]), default=None, help="Language of the feed's titles.")
@click.option("--qr", is_flag=True, help="Also print the webcal link as a QR code.")
def feed_url(person: str, reissue: bool, lang: str | None, qr: bool) -> None:
    """Print a new calendar subscription URL (https and webcal) of PERSON (id or name)."""
    now = datetime.now(UTC)
    engine = db.make_engine()
    try:
        with Session(engine) as session, session.begin():
            found = find_person(session, person)
            if reissue:
                secret = revoke_and_reissue(session, found, now, lang)
            else:
                secret = issue_token(session, found, now, lang or "zh")
            name, station = found.name, found.station.name
    finally:
        engine.dispose()
    https, webcal = subscription_urls(base_url(), person_feed_path(secret))
    click.echo(f"{name} ({station})")
    click.echo(f"https:  {https}")
    click.echo(f"webcal: {webcal}")
    if qr:
        drawing = io.StringIO()
        segno.make(webcal, error="m").terminal(out=drawing, compact=True)
        click.echo(drawing.getvalue(), nl=False)
