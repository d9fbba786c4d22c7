"""Typed domain errors; ``web/errors.py`` and the CLI map them to responses in one place each."""

from __future__ import annotations

from dataclasses import dataclass


class RotaError(Exception):
    """Base of every error the domain raises on purpose."""

    code = "rota_error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(RotaError):
    """The thing asked for does not exist (or is not visible to the caller)."""

    code = "not_found"


@dataclass(frozen=True)
class FieldError:
    """One problem with one input field: ``where`` is a JSON path, form field, CSV row or line."""

    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


class InvalidInput(RotaError):
    """Input that breaks the rules of its format; carries one message per field."""

    code = "invalid_input"

    def __init__(self, message: str, errors: list[FieldError] | None = None) -> None:
        super().__init__(message)
        self.errors = list(errors or [])

    def __str__(self) -> str:
        if not self.errors:
            return self.message
        return self.message + "\n" + "\n".join(f"  {e}" for e in self.errors)


class StateConflict(RotaError):
    """The operation does not fit the current state (e.g. changed by someone else, already published)."""

    code = "conflict"


class InfeasibleRota(RotaError):
    """Hard rules cannot all hold; ``reasons`` name the conflicting rules and people."""

    code = "infeasible"

    def __init__(self, message: str, reasons: list[str] | None = None) -> None:
        super().__init__(message)
        self.reasons = list(reasons or [])


class SolverTimeout(RotaError):
    """The time limit passed before any rota was found."""

    code = "solver_timeout"
