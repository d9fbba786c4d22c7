"""Background solves: threads in the embedded default, an RQ queue on Redis when ``REDIS_URL`` is set.

The registry lives on ``app.extensions`` (never in a module global).  Either way a job runs
``rota.services.planning_jobs.plan_week``, which builds the problem in one transaction, solves
outside any transaction and saves the draft in another; the registry only keeps the progress.
``JobRegistry`` runs jobs in this process; ``RqRegistry`` queues them for ``rota worker`` processes
and reads their progress back from Redis, so every web process sees every job.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from flask import Flask, current_app
from redis.exceptions import RedisError

from rota import jobs as rq_jobs
from rota.errors import NotFound, RotaError, StateConflict
from rota.services.planning_jobs import plan_week
from solver.model import Progress, SolveParams
from web.db import database

EXTENSION = "rota_jobs"
RUNNING, DONE, FAILED = "running", "done", "failed"
STARTUP_GRACE = 10.0  # seconds a busy worker may take between starting a job and its first heartbeat


@dataclass
class Job:
    """One background solve and what it has found so far."""

    id: str
    station_id: int
    week_start: date
    time_limit: float
    state: str = RUNNING
    best_objective: int | None = None
    bound: int | None = None
    started: float = field(default_factory=time.monotonic)
    finished: float | None = None
    message: str | None = None
    error_code: str | None = None
    rota_id: int | None = None
    stop: threading.Event = field(default_factory=threading.Event)

    @property
    def elapsed(self) -> float:
        """Seconds since the job started (frozen once it finished)."""
        return (self.finished or time.monotonic()) - self.started

    @property
    def percent(self) -> int:
        """How much of the time limit has passed (100 once finished)."""
        if self.state != RUNNING:
            return 100
        return min(99, int(100 * self.elapsed / max(self.time_limit, 0.1)))

    def as_json(self) -> dict[str, Any]:
        """The job's state for the API and the progress page."""
        return {
            "id": self.id,
            "station_id": self.station_id,
            "week_start": self.week_start.isoformat(),
            "state": self.state,
            "best_objective": self.best_objective,
            "bound": self.bound,
            "elapsed": round(self.elapsed, 1),
            "percent": self.percent,
            "message": self.message,
            "error": self.error_code,
            "rota_id": self.rota_id,
        }


class JobRegistry:
    """The app's background solves, guarded by a lock; at most one per station and week."""

    def __init__(self) -> None:
        self._jobs: dict[str, Job] = {}
        self._threads: dict[str, threading.Thread] = {}
        self._lock = threading.Lock()

    def start(self, job: Job, work: Callable[[Job], None]) -> Job:
        """Run ``work(job)`` in a thread unless the same station-week is already being planned."""
        with self._lock:
            for other in self._jobs.values():
                same = (other.station_id, other.week_start) == (job.station_id, job.week_start)
                if same and other.state == RUNNING:
                    raise StateConflict("this week is already being planned; wait for it or stop it")
            self._jobs[job.id] = job
            thread = threading.Thread(target=work, args=(job,), name=f"solve-{job.id}", daemon=True)
            self._threads[job.id] = thread
        thread.start()
        return job

    def get(self, job_id: str) -> Job:
        """A job by id; NotFound if this app never started it."""
        with self._lock:
            job = self._jobs.get(job_id)
        if job is None:
            raise NotFound(f"no planning job {job_id!r}")
        return job

    def shutdown(self, timeout: float = 30.0) -> None:
        """Ask every running job to stop and wait for the threads (tests, server shutdown)."""
        with self._lock:
            threads = list(self._threads.values())
            for job in self._jobs.values():
                job.stop.set()
        for thread in threads:
            thread.join(timeout)


class RemoteStop(threading.Event):
    """A job's stop switch that also asks the worker running it (through Redis) to stop."""

    def __init__(self, redis: Any, job_id: str) -> None:
        super().__init__()
        self._redis, self._job_id = redis, job_id

    def set(self) -> None:
        """Stop the job wherever it runs."""
        rq_jobs.request_stop(self._redis, self._job_id)
        super().set()


class RqRegistry:
    """Solves queued on Redis for ``rota worker`` processes; their state is read back from Redis."""

    def __init__(self, redis_url: str) -> None:
        self.redis = rq_jobs.connect(redis_url)

    def enqueue(self, request: rq_jobs.PlanRequest) -> Job:
        """Queue a solve (QueueUnavailable when Redis is down, StateConflict when one is running)."""
        return self._view(rq_jobs.enqueue_plan(self.redis, request))

    def get(self, job_id: str) -> Job:
        """A job's state as the pages and the API show it."""
        from rq.exceptions import NoSuchJobError
        from rq.job import Job as RqJob

        try:
            found = RqJob.fetch(job_id, connection=self.redis)
        except NoSuchJobError as error:
            raise NotFound(f"no planning job {job_id!r}") from error
        except RedisError as error:
            raise rq_jobs.QueueUnavailable("the solve queue (Redis) is not reachable") from error
        return self._view(found)

    def _view(self, found: Any) -> Job:
        """An RQ job as a ``Job``."""
        meta = found.meta
        job = Job(found.id, int(meta["station_id"]), date.fromisoformat(meta["week_start"]),
                  float(meta["time_limit"]), stop=RemoteStop(self.redis, found.id))  # fmt: skip
        job.best_objective, job.bound = meta.get("best_objective"), meta.get("bound")
        now = datetime.now(UTC)
        began = found.started_at or found.enqueued_at
        if began is not None:
            job.started = time.monotonic() - (now - began.replace(tzinfo=UTC)).total_seconds()
        _set_state(job, found, meta, self._alive(found))
        if job.state != RUNNING and found.ended_at is not None:
            job.finished = time.monotonic() - (now - found.ended_at.replace(tzinfo=UTC)).total_seconds()
        return job

    def _alive(self, found: Any) -> bool:
        """False once a started job's heartbeat expired (its worker was killed or hangs)."""
        return bool(self.redis.exists(rq_jobs.alive_key(found.id)))

    def shutdown(self, timeout: float = 30.0) -> None:
        """Nothing to wait for: the workers own the running jobs."""
        self.redis.close()


def _set_state(job: Job, found: Any, meta: dict[str, Any], alive: bool) -> None:
    """Map RQ's status (and the heartbeat) onto running / done / failed with a message."""
    status = found.get_status(refresh=False).value
    if status.endswith("finished"):
        result = found.return_value() or {}
        job.state, job.rota_id, job.message = DONE, result.get("rota_id"), result.get("status")
        job.best_objective, job.bound = result.get("objective"), result.get("bound")
    elif status.endswith(("failed", "stopped", "canceled")):
        job.state, job.error_code = FAILED, meta.get("error", "job_failed")
        job.message = meta.get("message") or _failure_message(found)
    elif status.endswith("started") and not alive and _started_long_ago(found, meta):
        job.state, job.error_code = FAILED, "worker_lost"
        job.message = "the solve worker stopped (killed or crashed) before saving; the rota is unchanged"
    elif status.endswith(("queued", "deferred", "scheduled")):
        job.message = "waiting for a solve worker"


def _failure_message(found: Any) -> str:
    """A sentence for a job RQ marked failed without our message (timeout, killed work horse)."""
    info = (found.latest_result().exc_string if found.latest_result() else "") or ""
    if "JobTimeoutException" in info or "timeout" in info.lower():
        return "the solve took longer than its time limit and was stopped; the rota is unchanged"
    return "the solve worker stopped (killed or crashed) before saving; the rota is unchanged"


def _started_long_ago(found: Any, meta: dict[str, Any]) -> bool:
    """True once a started job had time to write its first heartbeat."""
    began = found.started_at
    if began is None:
        return True
    age = (datetime.now(UTC) - began.replace(tzinfo=UTC)).total_seconds()
    return bool(age > float(meta.get("heartbeat_ttl", 15)) + STARTUP_GRACE)


def init_app(app: Flask) -> None:
    """Give the app its job registry: RQ on Redis when ``REDIS_URL`` is set, else threads."""
    url = app.config.get("REDIS_URL")
    app.extensions[EXTENSION] = RqRegistry(url) if url else JobRegistry()


def registry(app: Flask | None = None) -> JobRegistry | RqRegistry:
    """The app's job registry."""
    return (app or current_app).extensions[EXTENSION]  # type: ignore[no-any-return]


def start_planning(station_id: int, week_start: date, time_limit: float | None = None) -> Job:
    """Start a background solve of a station's week with the app's solver settings."""
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    limit = float(time_limit or app.config["SOLVE_TIME_LIMIT"])
    jobs = registry(app)
    if isinstance(jobs, RqRegistry):
        ttl = int(app.config["SOLVE_HEARTBEAT_TTL"])
        request = rq_jobs.PlanRequest(station_id, week_start, limit, app.config["SOLVE_WORKERS"], ttl)
        return jobs.enqueue(request)
    job = Job(uuid.uuid4().hex[:12], station_id, week_start, limit)
    params = SolveParams(time_limit=limit, workers=app.config["SOLVE_WORKERS"], seed=0)
    return jobs.start(job, lambda j: _run(app, j, params))


def _run(app: Flask, job: Job, params: SolveParams) -> None:
    """The thread body: plan the week, record the outcome on the job."""
    clock: Callable[[], datetime] = app.config["CLOCK"]

    def on_progress(progress: Progress) -> None:
        job.best_objective, job.bound = progress.objective, progress.bound

    try:
        outcome = plan_week(
            database(app).sessions,
            station_id=job.station_id,
            week_start=job.week_start,
            params=params,
            now=clock,
            on_progress=on_progress,
            should_stop=job.stop.is_set,
        )
    except RotaError as error:
        job.state, job.message, job.error_code = FAILED, error.message, error.code
    except Exception as error:
        job.state, job.message, job.error_code = FAILED, repr(error), "internal"
        app.logger.exception("planning job %s crashed", job.id)
    else:
        job.state, job.rota_id = DONE, outcome.rota_ids[0] if outcome.rota_ids else None
        job.best_objective, job.bound = outcome.objective, outcome.bound
        job.message = outcome.status
    job.finished = time.monotonic()
