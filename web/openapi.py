"""The OpenAPI 3.1 document of /api/v1, written by hand (a test checks it against the routes)."""

from __future__ import annotations

from typing import Any

from rota.domain import LeaveStatus, OrgKind
from rota.services.people import LIMITS

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
MAX_ID = 999_999_999  # ids have at most nine digits; a larger one in a path is no route (404)
ID = {"type": "integer", "minimum": 1, "maximum": MAX_ID}
ASSIGNMENT = [{"name": "assignment_id", "in": "path", "required": True, "schema": ID}]
JOB = [{"name": "job_id", "in": "path", "required": True, "schema": {"type": "string"}}]
REF = [
    {
        "name": "ref",
        "in": "path",
        "required": True,
        "schema": {"type": "string"},
        "description": "booking reference (e.g. BK-7K2M9Q) or visit id",
    }
]
SLOT_QUERY = [
    {
        "name": "service_type",
        "in": "query",
        "required": True,
        "schema": {"$ref": "#/components/schemas/ServiceType"},
    },
    {"name": "compound", "in": "query", "required": True, "schema": {"type": "integer"}},
]
SERVICE_TYPES = ["appliance_repair", "health_consult", "housekeeping", "first_aid"]
VISIT_STATUSES = ["requested", "scheduled", "in_progress", "done", "cancelled", "could_not_serve"]
URGENCIES = ["normal", "urgent", "emergency"]

ERRORS = {
    "401": {"$ref": "#/components/responses/Error"},
    "403": {"$ref": "#/components/responses/Error"},
    "404": {"$ref": "#/components/responses/Error"},
    # the database (or, planning, the solve queue) cannot be reached for now; Retry-After says when
    "503": {"$ref": "#/components/responses/Error"},
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
    invalid = {"422": {"$ref": "#/components/responses/Error"}}
    return {
        "/stations": {"get": _op("List stations", "200", "Stations")},
        f"{week}/rota": {
            "get": _op("The week's current rota", "200", "Week", params=STATION_WEEK)
            | {"responses": {"200": {"description": "the week"} | _json("Week")} | ERRORS | invalid}
        },
        f"{week}/generate": {
            "post": _op(
                "Start planning the week in the background",
                "202",
                "Job",
                params=STATION_WEEK,
                requestBody=_body({"time_limit": {"type": "integer", "minimum": 1, "maximum": 300}}, []),
            )
            | {"responses": {"202": {"description": "planning"} | _json("Job")} | ERRORS | invalid | conflict}
        },
        f"{week}/publish": {
            "post": _op(
                "Publish the week's draft",
                "200",
                "Rota",
                params=STATION_WEEK,
                requestBody=_body({"lock_version": ID}, []),
            )
            | {
                "responses": {"200": {"description": "published"} | _json("Rota")}
                | ERRORS
                | conflict
                | invalid
            }
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
        **_visit_paths(),
        **_selfservice_paths(),
        **_manage_paths(),
        "/openapi.json": {
            "get": {
                "summary": "This document",
                "security": [],
                "responses": {"200": {"description": "OpenAPI"}},
            }
        },
    }


def _visit_paths() -> dict[str, Any]:
    """The home-visit routes: intake, slots, bookings, one visit, dispatch now."""
    unprocessable = {"422": {"$ref": "#/components/responses/Error"}}
    conflict = {"409": {"$ref": "#/components/responses/Error"}}
    resident = {
        "name": {"type": "string"},
        "phone": {"type": "string", "description": "a Chinese or international phone number"},
        "compound": {"type": "integer"},
        "building": {"type": "integer"},
        "flat": {"type": "string"},
        "language": {"enum": ["yue", "cmn"]},
        "lives_alone": {"type": "boolean"},
        "service_type": {"$ref": "#/components/schemas/ServiceType"},
        "description": {"type": "string"},
    }
    window = {
        "type": "object",
        "properties": {"start": {"type": "string"}, "end": {"type": "string"}},
        "required": ["start", "end"],
    }
    intake = resident | {
        "urgency": {"enum": URGENCIES, "default": "normal"},
        "windows": {"type": "array", "items": window, "minItems": 1, "maxItems": 5},
    }
    booking = resident | {"start": {"type": "string", "description": "one of the offered slot starts"}}
    required = ["name", "phone", "compound", "service_type"]
    return {
        "/visits": {
            "post": _op(
                "Record a request taken on the phone (coordinator)",
                "201",
                "Visit",
                requestBody=_body(intake, [*required, "windows"]),
            )
        },
        "/visits/slots": {
            "get": _op(
                "Times in the next seven days when a qualified butler can come",
                "200",
                "Slots",
                params=SLOT_QUERY,
            )
            | {"responses": {"200": {"description": "slots"} | _json("Slots")} | ERRORS | unprocessable}
        },
        "/visits/bookings": {
            "get": _op("My bookings (resident)", "200", "Visits"),
            "post": _op(
                "Book an offered slot; the booking reference comes back",
                "201",
                "Visit",
                requestBody=_body(booking, [*required, "start"]),
            )
            | {
                "responses": {"201": {"description": "booked"} | _json("Visit")}
                | ERRORS
                | unprocessable
                | conflict
            },
        },
        "/visits/{ref}": {
            "get": _op(
                "One visit (contact details only for coordinators and its butler)", "200", "Visit", params=REF
            ),
            "patch": _op(
                "Move a booking to another offered start",
                "200",
                "Visit",
                params=REF,
                requestBody=_body({"start": {"type": "string"}}, ["start"]),
            )
            | {
                "responses": {"200": {"description": "moved"} | _json("Visit")}
                | ERRORS
                | unprocessable
                | conflict
            },
            "delete": _op("Cancel a visit", "200", "Visit", params=REF)
            | {"responses": {"200": {"description": "cancelled"} | _json("Visit")} | ERRORS | conflict},
        },
        "/visits/{ref}/dispatch": {
            "post": _op(
                "Emergency first aid: send the nearest free qualified butler on duty now, re-plan the day",
                "200",
                "Dispatch",
                params=REF,
            )
            | {"responses": {"200": {"description": "dispatched"} | _json("Dispatch")} | ERRORS | conflict}
        },
    }


def _id(name: str) -> list[dict[str, Any]]:
    """One integer path parameter."""
    return [{"name": name, "in": "path", "required": True, "schema": ID}]


def _ok(summary: str, status: str, schema: str, **extra: Any) -> dict[str, Any]:
    """An operation that may also answer 409 (a state conflict) and 422 (invalid input, refusal)."""
    op = _op(summary, status, schema, **extra)
    unprocessable = {"422": {"$ref": "#/components/responses/Error"}}
    conflict = {"409": {"$ref": "#/components/responses/Error"}}
    return op | {"responses": op["responses"] | unprocessable | conflict}


def _selfservice_paths() -> dict[str, Any]:
    """Staff self-service and the coordinator's decisions (issue 7)."""
    decision = _body(
        {"decision": {"enum": ["approve", "decline"]}, "note": {"type": "string", "maxLength": 200}},
        ["decision"],
    )
    day = {"type": "string", "format": "date"}
    clock = {"type": "string", "description": "HH:MM"}
    window = {"weekday": {"type": "integer", "minimum": 0, "maximum": 6}, "start": clock, "end": clock}
    station = STATION_WEEK[:1]
    month = [
        {
            "name": "month",
            "in": "path",
            "required": True,
            "schema": {"type": "string", "pattern": r"^\d{4}-\d{2}$"},
        }
    ]
    return {
        "/me/leave": {
            "post": _ok(
                "Request whole days of leave (staff)",
                "201",
                "Leave",
                requestBody=_body(
                    {"first": day, "last": day, "reason": {"type": "string"}}, ["first", "last"]
                ),
            )
        },
        "/me/leave/{leave_id}": {
            "delete": _ok(
                "Withdraw an undecided leave request (staff)", "200", "Withdrawn", params=_id("leave_id")
            )
        },
        "/leave/{leave_id}/decision": {
            "post": _ok(
                "Approve or decline leave; declining needs a note (coordinator)",
                "200",
                "Leave",
                params=_id("leave_id"),
                requestBody=decision,
            )
        },
        "/me/swaps": {
            "post": _ok(
                "Offer a swap or hand a shift over; 422 names each broken hard rule (staff)",
                "201",
                "Swap",
                requestBody=_body(
                    {
                        "shift_id": {"type": "integer"},
                        "colleague_id": {"type": "integer"},
                        "other_shift_id": {"type": ["integer", "null"]},
                        "note": {"type": "string", "maxLength": 200},
                    },
                    ["shift_id", "colleague_id"],
                ),
            )
        },
        "/me/swaps/{swap_id}/answer": {
            "post": _ok(
                "The colleague accepts (re-checked) or declines a swap (staff)",
                "200",
                "Swap",
                params=_id("swap_id"),
                requestBody=_body({"accept": {"type": "boolean"}}, ["accept"]),
            )
        },
        "/swaps/{swap_id}/decision": {
            "post": _ok(
                "Approve an accepted swap (a new published version) or decline it (coordinator)",
                "200",
                "Swap",
                params=_id("swap_id"),
                requestBody=decision,
            )
        },
        "/me/activities/{activity_id}/signup": {
            "post": _ok("Sign up for an open activity (staff)", "201", "Signup", params=_id("activity_id")),
            "delete": _ok(
                "Withdraw a sign-up before the deadline (staff)", "200", "Signup", params=_id("activity_id")
            ),
        },
        "/signups/{signup_id}/decision": {
            "post": _ok(
                "Confirm or decline a sign-up (coordinator)",
                "200",
                "Signup",
                params=_id("signup_id"),
                requestBody=decision,
            )
        },
        "/me/changes": {"get": _op("What changed in my duty since I last looked (staff)", "200", "Changes")},
        "/me/changes/seen": {"post": _op("Mark my duty as seen (staff)", "200", "Seen")},
        "/stations/{station}/ledger/{month}": {
            "get": _ok("The monthly service ledger (coordinator)", "200", "Ledger", params=station + month)
        },
        "/me/availability": {
            "post": _ok(
                "Add a weekly availability window (staff)",
                "201",
                "Window",
                requestBody=_body(window, ["weekday", "start", "end"]),
            )
        },
        "/me/availability/{window_id}": {
            "delete": _ok(
                "Remove one of my availability windows (staff)", "200", "Deleted", params=_id("window_id")
            )
        },
        "/me/preferences": {
            "post": _ok(
                "Wish to work (or not) on a date or weekday (staff)",
                "201",
                "Preference",
                requestBody=_body(
                    {
                        "wants_work": {"type": "boolean"},
                        "weight": {"type": "integer", "minimum": 1, "maximum": 10},
                        "on_date": {"type": ["string", "null"], "format": "date"},
                        "weekday": {"type": ["integer", "null"], "minimum": 0, "maximum": 6},
                        "template_id": {"type": ["integer", "null"]},
                    },
                    ["wants_work"],
                ),
            )
        },
        "/me/preferences/{preference_id}": {
            "delete": _ok(
                "Remove one of my preferences (staff)", "200", "Deleted", params=_id("preference_id")
            )
        },
        "/stations/{station}/activities": {
            "post": _ok(
                "Plan a one-off activity as a shift of its own (coordinator)",
                "201",
                "Activity",
                params=station,
                requestBody=_body(
                    {
                        "title": {"type": "string", "maxLength": 100},
                        "kind": {"enum": ["gathering", "repair_day", "patrol", "meeting", "other"]},
                        "day": day,
                        "start": clock,
                        "end": clock,
                        "places": {"type": "integer", "minimum": 1, "maximum": 50},
                        "skill": {"type": ["string", "null"]},
                        "compound_id": {"type": ["integer", "null"]},
                        "signup_opens_at": {"type": ["string", "null"], "format": "date-time"},
                        "signup_closes_at": {"type": ["string", "null"], "format": "date-time"},
                    },
                    ["title", "kind", "day", "start", "end", "places"],
                ),
            )
        },
        "/stations/{station}/approvals": {
            "get": _op(
                "Pending leave, swaps and sign-ups with their effect on coverage (coordinator)",
                "200",
                "Approvals",
                params=station,
            )
        },
    }


def _manage_paths() -> dict[str, Any]:
    """Coordinators managing a station (issue 5): the pages' form fields as JSON."""
    base = "/stations/{station}"
    station = STATION_WEEK[:1]
    text_list = {"oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]}
    org = {"name": {"type": "string"}, "kind": {"type": "string"}, "quota": {"type": "number"}}
    skill = {
        "type": "object",
        "properties": {"skill": {"type": "string"}, "valid_until": {"type": "string", "format": "date"}},
        "required": ["skill"],
    }
    person = {
        "name": {"type": "string"},
        "org": {"type": ["string", "integer"], "description": "id or name"},
        "phone": {"type": "string"},
        "languages": text_list,
        "skills": {
            "oneOf": [{"type": "string"}, {"type": "array", "items": {"oneOf": [{"type": "string"}, skill]}}],
            "description": "skill or skill:YYYY-MM-DD (a certificate's last valid day)",
        },
        "fte": {"type": "number", "minimum": 0, "maximum": 1},
        "max_shifts_per_day": {"type": "integer"},
        **{name: {"type": "integer", "minimum": low, "maximum": high} for name, low, high in LIMITS},
    }
    template = {
        "code": {"type": "string"},
        "name_zh": {"type": "string"},
        "name_en": {"type": "string"},
        "weekdays": {"oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "integer"}}]},
        "start": {"type": "string", "description": "HH:MM"},
        "end": {"type": "string", "description": "HH:MM"},
        "night": {"type": "boolean"},
        "paid_minutes": {"type": "integer"},
        "required_skills": text_list,
        "forbidden_next": text_list,
        "needs": {**text_list, "description": "lines like '2 skill=first_aid org_kind=volunteer'"},
    }
    compound = {"name": {"type": "string"}, "buildings": text_list}
    day = {"type": "string", "format": "date"}
    clock = {"type": "string", "description": "HH:MM"}
    window = {"weekday": {"type": "integer", "minimum": 0, "maximum": 6}, "start": clock, "end": clock}

    def crud(kind: str, label: str, fields: dict[str, Any], required: list[str]) -> dict[str, Any]:
        single = kind.removesuffix("s").capitalize()
        return {
            "get": _op(f"The station's {label}", "200", f"{single}s", params=station),
            "post": _ok(
                f"Add one of the station's {label}",
                "201",
                single,
                params=station,
                requestBody=_body(fields, required),
            ),
        }

    def update(
        label: str, single: str, name: str, fields: dict[str, Any], required: list[str]
    ) -> dict[str, Any]:
        return _ok(f"Change {label} (every field)", "200", single, params=station + _id(name),
                   requestBody=_body(fields, required))  # fmt: skip

    return {
        f"{base}/organisations": crud("organisations", "organisations", org, ["name", "kind"]),
        f"{base}/organisations/{{org_id}}": {
            "put": update("an organisation", "Organisation", "org_id", org, ["name", "kind"])
        },
        f"{base}/people": crud("persons", "people", person, ["name", "org"]),
        f"{base}/people/{{person_id}}": {
            "get": _op("One person", "200", "Person", params=station + _id("person_id")),
            "put": update("a person", "Person", "person_id", person, ["name", "org"]),
        },
        f"{base}/people/{{person_id}}/active": {
            "put": _ok(
                "Deactivate a person who left (kept in the history, no longer planned, dispatched or "
                "offered to residents) or bring them back; with the published shifts still ahead",
                "200",
                "PersonActive",
                params=station + _id("person_id"),
                requestBody=_body({"active": {"type": "boolean"}}, ["active"]),
            )
        },
        f"{base}/people/import": {
            "post": _ok(
                "Import people from CSV, all or nothing; details name each problem as 'row N, column C'",
                "201",
                "Persons",
                params=station,
                requestBody={
                    "required": True,
                    "content": {
                        "text/csv": {"schema": {"type": "string"}},
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "properties": {"csv": {"type": "string"}},
                                "required": ["csv"],
                            }
                        },
                    },
                },
            )
        },
        f"{base}/templates": crud("templates", "shift templates", template, ["code", "name_zh", "name_en"]),
        f"{base}/templates/{{template_id}}": {
            "put": update(
                "a shift template", "Template", "template_id", template, ["code", "name_zh", "name_en"]
            )
        },
        f"{base}/compounds": crud("compounds", "compounds", compound, ["name"]),
        f"{base}/compounds/{{compound_id}}": {
            "put": update("a compound", "Compound", "compound_id", compound, ["name"])
        },
        f"{base}/people/{{person_id}}/availability": {
            "post": _ok(
                "Add a weekly availability window to a person (an end not after the start: past midnight)",
                "201",
                "Window",
                params=station + _id("person_id"),
                requestBody=_body(window, ["weekday", "start", "end"]),
            )
        },
        f"{base}/people/{{person_id}}/availability/{{window_id}}": {
            "delete": _op(
                "Delete a person's availability window",
                "200",
                "Deleted",
                params=station + _id("person_id") + _id("window_id"),
            )
        },
        f"{base}/people/{{person_id}}/leave": {
            "post": _ok(
                "Record a person's leave, first to last day inclusive",
                "201",
                "ManagedLeave",
                params=station + _id("person_id"),
                requestBody=_body(
                    {"start": day, "end": day, "status": {"type": "string"}, "reason": {"type": "string"}},
                    ["start", "end", "status"],
                ),
            )
        },
        f"{base}/people/{{person_id}}/leave/{{leave_id}}": {
            "delete": _op(
                "Delete a person's leave",
                "200",
                "Deleted",
                params=station + _id("person_id") + _id("leave_id"),
            )
        },
        f"{base}/travel": {
            "put": _ok(
                "Set the minutes between two compounds, both ways",
                "200",
                "TravelTimes",
                params=station,
                requestBody=_body(
                    {"from": {"type": "integer"}, "to": {"type": "integer"}, "minutes": {"type": "integer"}},
                    ["from", "to", "minutes"],
                ),
            )
        },
    }


def _selfservice_schemas() -> dict[str, Any]:
    """Schemas of the self-service and management routes (objects; see the route summaries)."""
    obj = {"type": "object"}
    names = ["Leave", "Withdrawn", "Swap", "Signup", "Changes", "Seen", "Ledger", "Deleted",
             "Preference", "Activity", "Approvals"]  # fmt: skip
    schemas: dict[str, Any] = {name: obj for name in names} | _managed_schemas()
    travel = {"type": "object", "properties": {k: {"type": "integer"} for k in ("from", "to", "minutes")},
              "required": ["from", "to", "minutes"]}  # fmt: skip
    schemas["TravelTimes"] = {"type": "array", "items": travel, "description": "both ways"}
    schemas["PersonActive"] = {
        "type": "object",
        "properties": {
            "person": {"$ref": "#/components/schemas/Person"},
            "published_shifts_ahead": {"type": "integer", "minimum": 0},
        },
        "required": ["person", "published_shifts_ahead"],
    }
    for single in ("Organisation", "Person", "Template", "Compound"):
        schemas[f"{single}s"] = {"type": "array", "items": {"$ref": f"#/components/schemas/{single}"}}
    return schemas


def _object(properties: dict[str, Any]) -> dict[str, Any]:
    """An object schema whose properties are all present."""
    return {"type": "object", "properties": properties, "required": list(properties)}


def _managed_schemas() -> dict[str, Any]:
    """What the management routes answer: organisations, templates, compounds, windows, leave."""
    integer, text, clock = (
        {"type": "integer"},
        {"type": "string"},
        {"type": "string", "pattern": "^[0-9]{2}:[0-9]{2}$"},
    )
    day = {"type": "string", "format": "date"}
    texts = {"type": "array", "items": text}
    return {
        "Organisation": _object(
            {
                "id": integer,
                "name": text,
                "kind": {"enum": [k.value for k in OrgKind]},
                "quota_percent": {"type": "number"},
            }
        ),
        "Person": _person_schema(),
        "Template": _object(
            {
                "id": integer,
                "code": text,
                "name_zh": text,
                "name_en": text,
                "weekdays": {"type": "array", "items": {"type": "integer", "minimum": 0, "maximum": 6}},
                "start": clock,
                "end": clock,
                "night": {"type": "boolean"},
                "paid_minutes": {"type": ["integer", "null"]},
                "required_skills": texts,
                "forbidden_next": texts,
                "needs": {"type": "array", "items": {"type": "object"}},
            }
        ),
        "Compound": _object(
            {
                "id": integer,
                "name": text,
                "buildings": {"type": "array", "items": _object({"id": integer, "name": text})},
            }
        ),
        "Window": _object(
            {
                "id": integer,
                "person_id": integer,
                "weekday": {"type": "integer", "minimum": 0, "maximum": 6},
                "start": clock,
                "end": clock,
            }
        ),
        "ManagedLeave": _object(
            {
                "id": integer,
                "person_id": integer,
                "start": day,
                "end": day,
                "status": {"enum": [s.value for s in LeaveStatus]},
                "reason": {"type": ["string", "null"]},
            }
        ),
    }


def _person_schema() -> dict[str, Any]:
    """A person as the management API returns it."""
    maybe_int, maybe_text = {"type": ["integer", "null"]}, {"type": ["string", "null"]}
    skill = {
        "type": "object",
        "properties": {
            "skill": {"type": "string"},
            "valid_until": {**maybe_text, "format": "date"},
            "days_left": maybe_int,
            "expiry_warning": {"type": "boolean"},
        },
        "required": ["skill", "valid_until", "days_left", "expiry_warning"],
    }
    return {
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "name": {"type": "string"},
            "org_id": {"type": "integer"},
            "org": {"type": "string"},
            "phone": maybe_text,
            "languages": {"type": "array", "items": {"type": "string"}},
            "skills": {"type": "array", "items": skill},
            "fte": {"type": "number"},
            "max_shifts_per_day": {"type": "integer"},
            **{name: maybe_int for name, _, _ in LIMITS},
            "active": {"type": "boolean", "description": "false once the person left the station"},
        },
        "required": ["id", "name", "org_id", "org", "languages", "skills", "fte", "active"],
    }


def _visit_schemas() -> dict[str, Any]:
    """Schemas of the home-visit routes."""
    text = {"type": ["string", "null"]}
    visit = {
        "type": "object",
        "properties": {
            "reference": {"type": "string"},
            "status": {"enum": VISIT_STATUSES},
            "service_type": {"$ref": "#/components/schemas/ServiceType"},
            "urgency": {"enum": URGENCIES},
            "compound": {"type": "string"},
            "person": text,
            "start": {"type": ["string", "null"], "format": "date-time"},
            "end": {"type": ["string", "null"], "format": "date-time"},
            "reason": {
                "oneOf": [
                    {"type": "object", "properties": {"zh": {"type": "string"}, "en": {"type": "string"}}},
                    {"type": "null"},
                ]
            },
            "note": text,
            "resident": {"type": "string", "description": "coordinators and the assigned butler only"},
            "phone": {"type": "string", "description": "coordinators and the assigned butler only"},
            "building": text,
            "flat": text,
            "description": text,
        },
        "required": ["reference", "status", "service_type", "urgency", "compound", "person", "start", "end"],
    }
    slot = {
        "type": "object",
        "properties": {
            "start": {"type": "string", "format": "date-time"},
            "end": {"type": "string", "format": "date-time"},
            "butlers": {"type": "integer", "description": "how many butlers could come"},
        },
        "required": ["start", "end", "butlers"],
    }
    change = {
        "type": "object",
        "properties": {
            "reference": {"type": "string"},
            "old_person": text,
            "old_start": text,
            "new_person": text,
            "new_start": text,
        },
        "required": ["reference", "old_person", "old_start", "new_person", "new_start"],
    }
    dispatch = {
        "type": "object",
        "properties": {
            "visit": {"$ref": "#/components/schemas/Visit"},
            "person": {"type": "string"},
            "start": {"type": "string", "format": "date-time"},
            "travel_minutes": {"type": "integer"},
            "changes": {"type": "array", "items": change},
        },
        "required": ["visit", "person", "start", "travel_minutes", "changes"],
    }
    return {
        "ServiceType": {"enum": SERVICE_TYPES},
        "Visit": visit,
        "Visits": {"type": "array", "items": {"$ref": "#/components/schemas/Visit"}},
        "Slots": {"type": "array", "items": slot},
        "Dispatch": dispatch,
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
    return (
        {
            "Station": station,
            "Stations": {"type": "array", "items": {"$ref": "#/components/schemas/Station"}},
            "Rota": rota,
            "Job": job,
            "Week": week,
            "MyShifts": {"type": "array", "items": {"type": "object"}},
            "Error": error,
        }
        | _visit_schemas()
        | _selfservice_schemas()
    )


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
