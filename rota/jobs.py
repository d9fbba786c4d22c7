"""Solve jobs on a Redis queue (RQ): enqueueing a week's solve, and the job a ``rota worker`` runs.

The job plans through ``plan_week``: the problem is built in one short transaction, the solver
runs with no transaction open, and the new draft is saved in one more.  A worker killed in the
middle (kill -9) therefore leaves the database exactly as it was; the job's heartbeat key expires
and whoever reads the job reports it failed.  Progress, the stop request and the heartbeat live in
Redis next to the job, so any web process can show and stop any job.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from redis import Redis
from redis.exceptions import RedisError
from rq import Queue, get_current_job
from rq.job import Job

from rota.db import database_url, make_engine, make_session_factory
from rota.errors import RotaError, StateConflict
from rota.services.planning_jobs import plan_week

QUEUE = "rota-solve"
PREFIX = "rota:"
JOB_TIMEOUT_MARGIN = 60  # seconds past the solver's own limit before RQ kills the work horse
RESULT_TTL = 24 * 3600


class QueueUnavailable(RotaError):
    """The job queue (Redis) cannot be reached; nothing was started."""

    code = "queue_unavailable"


@dataclass(frozen=True)
class PlanRequest:
    """What to plan and with which solver settings."""

    station_id: int | None  # None: every station as one problem (a district solve)
    week_start: date
    time_limit: float
    workers: int
    heartbeat_ttl: int = 15  # seconds without a heartbeat before a running job counts as dead


def connect(url: str) -> Redis:
    """A Redis client that fails fast when the server is down."""
    return Redis.from_url(url, socket_connect_timeout=2, socket_timeout=10)


def queue(redis: Redis) -> Queue:
    """The solve queue."""
    return Queue(QUEUE, connection=redis)


def stop_key(job_id: str) -> str:
    """The key that asks a running job to stop."""
    return f"{PREFIX}stop:{job_id}"


def alive_key(job_id: str) -> str:
    """The key a running job refreshes while it lives."""
    return f"{PREFIX}alive:{job_id}"


def week_key(station_id: int | None, week_start: date) -> str:
    """The key naming the job that plans a station's week (or the district's)."""
    return f"{PREFIX}planning:{'district' if station_id is None else station_id}:{week_start.isoformat()}"


def enqueue_plan(redis: Redis, request: PlanRequest) -> Job:
    """Queue a solve of a station's week; StateConflict if one is already queued or running."""
    job_id = uuid.uuid4().hex[:12]
    ttl = int(request.time_limit) + JOB_TIMEOUT_MARGIN + 60
    try:
        key = week_key(request.station_id, request.week_start)
        if not redis.set(key, job_id, nx=True, ex=ttl):
            other = redis.get(key)
            if other is not None and _is_active(redis, other if isinstance(other, str) else other.decode()):
                raise StateConflict("this week is already being planned; wait for it or stop it")
            redis.set(key, job_id, ex=ttl)
        return queue(redis).enqueue(
            run_plan,
            request,
            job_id=job_id,
            job_timeout=int(request.time_limit) + JOB_TIMEOUT_MARGIN,
            result_ttl=RESULT_TTL,
            failure_ttl=RESULT_TTL,
            meta={"station_id": request.station_id, "week_start": request.week_start.isoformat(),
                  "time_limit": request.time_limit, "heartbeat_ttl": request.heartbeat_ttl},
        )  # fmt: skip
    except RedisError as error:
        raise QueueUnavailable(
            "the solve queue (Redis) is not reachable, so nothing was started; try again in a minute"
        ) from error


def _is_active(redis: Redis, job_id: str) -> bool:
    """True if the job is queued, or started with a live heartbeat."""
    try:
        job = Job.fetch(job_id, connection=redis)
    except Exception:
        return False
    status = job.get_status(refresh=False)
    if status == "queued":
        return True
    return status == "started" and bool(redis.exists(alive_key(job_id)))


def request_stop(redis: Redis, job_id: str) -> None:
    """Ask a job to stop: a queued one is cancelled, a running one keeps its best rota so far."""
    try:
        redis.set(stop_key(job_id), "1", ex=RESULT_TTL)
        job = Job.fetch(job_id, connection=redis)
        if job.get_status(refresh=False) == "queued":
            job.cancel()
            job.meta["message"] = "stopped before it started; the rota is unchanged"
            _save_meta(job)
    except RedisError as error:
        raise QueueUnavailable("the solve queue (Redis) is not reachable") from error


def _save_meta(job: Job) -> None:
    """Write the job's meta back to Redis."""
    job.save_meta()  # type: ignore[no-untyped-call]  # rq leaves this method unannotated


def run_plan(request: PlanRequest) -> dict[str, Any]:
    """The job body a worker runs: plan the week, reporting progress and heartbeats in Redis."""
    job = get_current_job()
    if job is None:
        raise RuntimeError("run_plan runs inside an RQ worker")
    redis: Redis = job.connection
    stopped = threading.Event()
    done = threading.Event()
    beat = threading.Thread(
        target=_heartbeat, args=(redis, job.id, request.heartbeat_ttl, stopped, done), daemon=True
    )
    beat.start()
    engine = make_engine(database_url())
    try:
        outcome = plan_week(
            _sessions(engine, job.id),
            station_id=request.station_id,
            week_start=request.week_start,
            params=_params(request),
            now=lambda: datetime.now(UTC),
            on_progress=_progress_writer(job),
            should_stop=stopped.is_set,
        )
    except RotaError as error:
        job.meta.update(message=error.message, error=error.code)
        _save_meta(job)
        raise
    finally:
        done.set()
        engine.dispose()
        redis.delete(alive_key(job.id))
    rota_id = outcome.rota_ids[0] if outcome.rota_ids else None
    return {"status": outcome.status, "objective": outcome.objective, "bound": outcome.bound,
            "rota_id": rota_id, "holes": outcome.holes}  # fmt: skip


def _sessions(engine: Any, job_id: str) -> Any:
    """Sessions whose audit entries name this job as the actor."""
    sessions = make_session_factory(engine)
    sessions.configure(info={"actor": f"job:{job_id}"})
    return sessions


def _params(request: PlanRequest) -> Any:
    """The solver's parameters (imported here: OR-Tools takes a while to load)."""
    from solver.model import SolveParams

    return SolveParams(time_limit=request.time_limit, workers=request.workers, seed=0)


def _progress_writer(job: Job) -> Callable[[Any], None]:
    """A progress callback storing the best objective and bound in the job's meta."""

    def write(progress: Any) -> None:
        job.meta.update(best_objective=progress.objective, bound=progress.bound)
        _save_meta(job)

    return write


def _heartbeat(redis: Redis, job_id: str, ttl: int, stopped: threading.Event, done: threading.Event) -> None:
    """Refresh the job's alive key and watch for a stop request until the job is done."""
    interval = max(ttl / 3, 0.2)
    while not done.is_set():
        try:
            redis.set(alive_key(job_id), "1", ex=ttl)
            if redis.exists(stop_key(job_id)):
                stopped.set()
        except RedisError:
            pass  # the solve goes on; the database is the source of truth, not Redis
        done.wait(interval)
