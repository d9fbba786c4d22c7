"""Rendered fragments kept per web process and reused for as long as the database is unchanged.

The key of every entry includes PostgreSQL's current snapshot (``pg_current_snapshot()``), which
names exactly whose writes a query would see: it changes the moment any transaction commits, from
any process (a web process, a solve worker, the CLI, psql), so there is no invalidation to forget
and a booking or a publish shows on the next request.  Reading it costs one query instead of the
several a week grid or a calendar feed needs.  Without an exact version there is no cache and the
caller renders as before: on SQLite (its commit counter is per connection) and in a request whose
own transaction has written (its snapshot does not show its own changes).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from datetime import datetime
from typing import Any, TypeVar

from flask import Flask, current_app
from sqlalchemy import text
from sqlalchemy.orm import Session

from web.common import now
from web.db import get_session

T = TypeVar("T")
EXTENSION = "rota_render_cache"
DEFAULT_SIZE = 512  # entries per process: a week grid is about 40 kB, a feed a few kB
VERSION_SQL = text("SELECT pg_current_snapshot()::text, pg_current_xact_id_if_assigned()")


class RenderCache:
    """A bounded, thread-safe map from (what, version) to a rendered value and when time alone ends it."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.hits = 0
        self.misses = 0
        self._entries: OrderedDict[Hashable, tuple[Any, datetime | None]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, moment: datetime) -> Any | None:
        """The value stored under ``key`` unless it has expired by ``moment``; None otherwise."""
        with self._lock:
            found = self._entries.get(key)
            if found is None or (found[1] is not None and moment > found[1]):
                self.misses += 1
                return None
            self._entries.move_to_end(key)
            self.hits += 1
            return found[0]

    def put(self, key: Hashable, value: Any, expires: datetime | None) -> None:
        """Store a value, dropping the least recently used ones beyond the size."""
        with self._lock:
            self._entries[key] = (value, expires)
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def __len__(self) -> int:
        return len(self._entries)


def init_app(app: Flask) -> None:
    """Give the app its cache (``RENDER_CACHE_SIZE`` entries; 0 turns caching off)."""
    app.config.setdefault("RENDER_CACHE_SIZE", DEFAULT_SIZE)
    app.extensions[EXTENSION] = RenderCache(int(app.config["RENDER_CACHE_SIZE"]))


def render_cache(app: Flask | None = None) -> RenderCache:
    """The app's cache (the current app's by default)."""
    return (app or current_app).extensions[EXTENSION]  # type: ignore[no-any-return]


def data_version(session: Session) -> str | None:
    """The snapshot naming every committed write this session would see; None where that is not exact."""
    if session.get_bind().dialect.name != "postgresql" or session.new or session.dirty or session.deleted:
        return None
    snapshot, own_write = session.execute(VERSION_SQL).one()
    return None if own_write is not None else str(snapshot)


def cached(
    key: tuple[Hashable, ...],
    make: Callable[[], T | None],
    expires: Callable[[T], datetime | None] = lambda _value: None,
) -> T | None:
    """The value ``make`` returns for ``key`` now, made once per database version and reused.

    ``expires`` says when the passing of time alone changes a value (a feed drops old events);
    None values (not found) are never stored.
    """
    cache = render_cache()
    version = data_version(get_session()) if cache.size > 0 else None
    if version is None:
        return make()
    moment = now()
    hit = cache.get((*key, version), moment)
    if hit is not None:
        return hit  # type: ignore[no-any-return]
    value = make()
    if value is not None:
        cache.put((*key, version), value, expires(value))
    return value
