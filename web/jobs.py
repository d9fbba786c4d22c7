"""Background solves in the embedded deployment: one thread per job, state in a per-app registry.

The registry lives on ``app.extensions`` (never in a module global).  A job's thread runs
``rota.services.planning_jobs.plan_week``, which builds the problem in one transaction, solves
outside any transaction and saves the draft in another; the registry only keeps the progress.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from flask import Flask, current_app

from rota.errors import NotFound, RotaError, StateConflict
from rota.services.planning_jobs import plan_week
from solver.model import Progress, SolveParams
from web.db import database

EXTENSION = "rota_jobs"
RUNNING, DONE, FAILED = "running", "done", "failed"


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


def init_app(app: Flask) -> None:
    """Give the app its job registry."""
    app.extensions[EXTENSION] = JobRegistry()


def registry(app: Flask | None = None) -> JobRegistry:
    """The app's job registry."""
    return (app or current_app).extensions[EXTENSION]  # type: ignore[no-any-return]


def start_planning(station_id: int, week_start: date, time_limit: float | None = None) -> Job:
    """Start a background solve of a station's week with the app's solver settings."""
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    limit = float(time_limit or app.config["SOLVE_TIME_LIMIT"])
    job = Job(uuid.uuid4().hex[:12], station_id, week_start, limit)
    params = SolveParams(time_limit=limit, workers=app.config["SOLVE_WORKERS"], seed=0)
    return registry(app).start(job, lambda j: _run(app, j, params))


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
