"""Production-mode fixtures: the web fixtures plus a Redis server and real ``rota worker`` processes.

Tests needing Redis skip when ``ROTA_TEST_REDIS_URL`` (default: db 15 of the local server) does not
answer.  They delete only the keys of the solve queue and of our jobs, never the whole database.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from redis import Redis
from redis.exceptions import RedisError

from rota.jobs import PREFIX, QUEUE
from tests.web.conftest import app, client, coordinator, demo, seeded, seeded_file  # noqa: F401 -- fixtures

REDIS_URL_ENV = "ROTA_TEST_REDIS_URL"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/15"
ROTA = Path(sys.executable).with_name("rota")


def _our_keys(redis: Redis) -> list[bytes]:
    """The keys of the solve queue, its registries and the jobs they list."""
    queue_keys = list(redis.scan_iter(f"rq:*{QUEUE}*"))
    job_ids: set[bytes] = set()
    for key in queue_keys:
        kind = redis.type(key)
        if kind == b"zset":
            job_ids.update(redis.zrange(key, 0, -1))
        elif kind == b"list":
            job_ids.update(redis.lrange(key, 0, -1))
    jobs = [f"rq:{part}:{i.decode()}".encode() for i in job_ids for part in ("job", "results")]
    return list(redis.scan_iter(f"{PREFIX}*")) + queue_keys + jobs


@pytest.fixture
def redis_url() -> Iterator[str]:
    """The test Redis URL (skips when the server does not answer); our keys removed before and after."""
    url = os.environ.get(REDIS_URL_ENV, DEFAULT_REDIS_URL)
    redis = Redis.from_url(url, socket_connect_timeout=1)
    try:
        redis.ping()
    except RedisError as error:
        pytest.skip(f"Redis at {url} is unreachable ({error}); set {REDIS_URL_ENV}")
    for key in _our_keys(redis):
        redis.delete(key)
    yield url
    for key in _our_keys(redis):
        redis.delete(key)
    redis.close()


@pytest.fixture
def start_worker(redis_url: str) -> Iterator[Callable[[str], subprocess.Popen[bytes]]]:
    """Start ``rota worker`` processes on a database URL; each is killed (whole group) afterwards."""
    started: list[subprocess.Popen[bytes]] = []

    def start(database_url: str) -> subprocess.Popen[bytes]:
        env = os.environ | {"ROTA_DATABASE_URL": database_url, "ROTA_REDIS_URL": redis_url}
        process = subprocess.Popen(
            [str(ROTA), "worker"], env=env, start_new_session=True,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        started.append(process)
        return process

    yield start
    for process in started:
        kill_worker(process)


def children(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` (an RQ worker's work horse runs in its own session)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def kill_worker(process: subprocess.Popen[bytes]) -> None:
    """kill -9 a worker and its work horse (the process actually solving), then reap it."""
    if process.poll() is None:
        for pid in children(process.pid):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(10)
