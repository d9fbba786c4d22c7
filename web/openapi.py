"""The OpenAPI 3.1 document of /api/v1, written by hand (a test checks it against the routes)."""

from __future__ import annotations

from typing import Any

STATION_WEEK = [
    {
        "name": "station",
        "in": "path",
        "required": True,
        "schema": {"type": "string"},
        "description": "code or id",
    },
    {
        "name": "week",
        "in": "path",
        "required": True,
        "schema": {"type": "string", "pattern": r"^\d{4}-W\d{2}$"},
    },
]
ASSIGNMENT = [{"name": "assignment_id", "in": "path", "required": True, "schema": {"type": "integer"}}]
JOB = [{"name": "job_id", "in": "path", "required": True, "schema": {"type": "string"}}]

ERRORS = {
    "401": {"$ref": "#/components/responses/Error"},
    "403": {"$ref": "#/components/responses/Error"},
    "404": {"$ref": "#/components/responses/Error"},
}


def _json(ref: str) -> dict[str, Any]:
    """A JSON response body of a component schema."""
    return {"content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{ref}"}}}}


def _body(properties: dict[str, Any], required: list[str]) -> dict[str, Any]:
    """A JSON request body."""
    schema = {"type": "object", "properties": properties, "required": required, "additionalProperties": True}
    return {"required": bool(required), "content": {"application/json": {"schema": schema}}}


def _op(
    summary: str, ok: str, schema: str, *, params: list[Any] | None = None, **extra: Any
) -> dict[str, Any]:
    """One operation with its success response and the common error responses."""
    responses = {ok: {"description": summary} | _json(schema)} | ERRORS
    if "requestBody" in extra:
        responses["422"] = {"$ref": "#/components/responses/Error"}
    return {"summary": summary, "parameters": params or [], "responses": responses} | extra


def _paths() -> dict[str, Any]:
    """Every route of the API."""
    week = "/stations/{station}/weeks/{week}"
    conflict = {"409": {"$ref": "#/components/responses/Error"}}
    return {
        "/stations": {"get": _op("List stations", "200", "Stations")},
        f"{week}/rota": {"get": _op("The week's current rota", "200", "Week", params=STATION_WEEK)},
        f"{week}/generate": {
            "post": _op(
                "Start planning the week in the background",
                "202",
                "Job",
                params=STATION_WEEK,
                requestBody=_body({"time_limit": {"type": "integer", "minimum": 1, "maximum": 300}}, []),
            )
        },
        f"{week}/publish": {
            "post": _op(
                "Publish the week's draft",
                "200",
                "Rota",
                params=STATION_WEEK,
                requestBody=_body({"lock_version": {"type": "integer"}}, []),
            )
            | {"responses": {"200": {"description": "published"} | _json("Rota")} | ERRORS | conflict}
        },
        f"{week}/assignments": {
            "post": _op(
                "Put a person on a shift (pinned; refused if a hard rule breaks)",
                "201",
                "Rota",
                params=STATION_WEEK,
                requestBody=_body(
                    {"shift_id": {"type": "integer"}, "person_id": {"type": "integer"}},
                    ["shift_id", "person_id"],
                ),
            )
        },
        "/jobs/{job_id}": {"get": _op("A planning job's progress", "200", "Job", params=JOB)},
        "/jobs/{job_id}/stop": {
            "post": _op("Stop a planning job at its next solution", "202", "Job", params=JOB)
        },
        "/assignments/{assignment_id}/pin": {
            "post": _op(
                "Pin or unpin an assignment",
                "200",
                "Rota",
                params=ASSIGNMENT,
                requestBody=_body({"pinned": {"type": "boolean", "default": True}}, []),
            )
        },
        "/assignments/{assignment_id}/move": {
            "post": _op(
                "Move an assignment to another shift (refused if a hard rule breaks)",
                "200",
                "Rota",
                params=ASSIGNMENT,
                requestBody=_body({"shift_id": {"type": "integer"}}, ["shift_id"]),
            )
        },
        "/assignments/{assignment_id}": {
            "delete": _op("Remove an assignment", "200", "Rota", params=ASSIGNMENT)
        },
        "/me/shifts": {"get": _op("My published shifts (staff)", "200", "MyShifts")},
        "/openapi.json": {
            "get": {
                "summary": "This document",
                "security": [],
                "responses": {"200": {"description": "OpenAPI"}},
            }
        },
    }


def _schemas() -> dict[str, Any]:
    """The component schemas."""
    nullable_int = {"type": ["integer", "null"]}
    station = {
        "type": "object",
        "properties": {
            k: {"type": t}
            for k, t in [("id", "integer"), ("code", "string"), ("name", "string"), ("timezone", "string")]
        },
        "required": ["id", "code", "name", "timezone"],
    }
    rota = {
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "status": {"enum": ["draft", "published", "superseded"]},
            "version": {"type": "integer"},
            "lock_version": {"type": "integer"},
            "solver_status": {"type": ["string", "null"]},
            "objective": nullable_int,
            "bound": nullable_int,
        },
        "required": ["id", "status", "version", "lock_version"],
    }
    job = {
        "type": "object",
        "properties": {
            "id": {"type": "string"},
            "station_id": {"type": "integer"},
            "week_start": {"type": "string", "format": "date"},
            "state": {"enum": ["running", "done", "failed"]},
            "best_objective": nullable_int,
            "bound": nullable_int,
            "elapsed": {"type": "number"},
            "percent": {"type": "integer"},
            "message": {"type": ["string", "null"]},
            "error": {"type": ["string", "null"]},
            "rota_id": nullable_int,
        },
        "required": ["id", "state", "elapsed", "percent"],
    }
    week = {
        "type": "object",
        "properties": {
            "station": {"$ref": "#/components/schemas/Station"},
            "week": {"type": "string"},
            "rota": {"oneOf": [{"$ref": "#/components/schemas/Rota"}, {"type": "null"}]},
            "published_version": nullable_int,
            "shifts": {"type": "array", "items": {"type": "object"}},
            "breakdown": {"type": "array", "items": {"type": "object"}},
            "person_load": {"type": "array", "items": {"type": "object"}},
            "org_load": {"type": "array", "items": {"type": "object"}},
        },
        "required": ["station", "week", "rota", "shifts"],
    }
    error = {
        "type": "object",
        "properties": {
            "error": {"type": "string"},
            "message": {"type": "string"},
            "details": {"type": "array"},
        },
        "required": ["error", "message", "details"],
    }
    return {
        "Station": station,
        "Stations": {"type": "array", "items": {"$ref": "#/components/schemas/Station"}},
        "Rota": rota,
        "Job": job,
        "Week": week,
        "MyShifts": {"type": "array", "items": {"type": "object"}},
        "Error": error,
    }


def openapi_document() -> dict[str, Any]:
    """The whole document."""
    return {
        "openapi": "3.1.0",
        "info": {"title": "eldercare-rota API", "version": "1"},
        "servers": [{"url": "/api/v1"}],
        "security": [{"basic": []}, {"cookie": []}],
        "paths": _paths(),
        "components": {
            "schemas": _schemas(),
            "responses": {"Error": {"description": "an error", **_json("Error")}},
            "securitySchemes": {
                "basic": {"type": "http", "scheme": "basic"},
                "cookie": {
                    "type": "apiKey",
                    "in": "cookie",
                    "name": "session",
                    "description": "plus X-CSRFToken on unsafe methods",
                },
            },
        },
    }
