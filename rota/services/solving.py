"""Running a solve in a child process, so that Ctrl-C reaches the caller.

CP-SAT catches SIGINT itself while it searches and then returns its best rota as if the time
limit had passed, so a command running it in-process cannot tell an interrupted solve from a
finished one and would save it.  In a forked child the caller keeps its own signal handling:
Ctrl-C raises ``KeyboardInterrupt`` in the caller, which kills the child and saves nothing.
"""

from __future__ import annotations

import multiprocessing
import signal
from collections.abc import Callable
from multiprocessing.connection import Connection

from solver.instance import Problem
from solver.model import Progress, SolveParams, solve
from solver.result import SolveResult


class SolverCrashed(RuntimeError):
    """The solver process failed: a bug, reported with the child's error."""


def solve_in_child(
    problem: Problem, params: SolveParams, on_progress: Callable[[Progress], None] | None = None
) -> SolveResult:
    """Solve in a forked process, relaying progress; falls back to solving here without fork."""
    if "fork" not in multiprocessing.get_all_start_methods():
        return solve(problem, params, on_progress)
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(target=_child, args=(problem, params, sender), daemon=True)
    child.start()
    sender.close()  # the child holds the only writing end: EOF means it is gone
    try:
        return _receive(receiver, on_progress)
    finally:
        if child.is_alive():
            child.kill()
        child.join()
        receiver.close()


def _child(problem: Problem, params: SolveParams, sender: Connection) -> None:
    """Solve and send ("progress", Progress)... then ("result", SolveResult) or ("error", text)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides what Ctrl-C means
    try:
        result = solve(problem, params, lambda progress: sender.send(("progress", progress)))
        sender.send(("result", result))
    except Exception as error:  # reported to the parent, which raises it as a crash
        sender.send(("error", f"{type(error).__name__}: {error}"))
    finally:
        sender.close()


def _receive(receiver: Connection, on_progress: Callable[[Progress], None] | None) -> SolveResult:
    """Relay progress messages until the result (or the child's failure) arrives."""
    while True:
        try:
            kind, payload = receiver.recv()
        except EOFError:
            raise SolverCrashed("the solver process ended without a result") from None
        if kind == "result":
            assert isinstance(payload, SolveResult)
            return payload
        if kind == "error":
            raise SolverCrashed(str(payload))
        if on_progress is not None:
            on_progress(payload)
