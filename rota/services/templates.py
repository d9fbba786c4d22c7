"""Managing a station's shift templates and their coverage needs, and its compounds, buildings and
travel times.

Needs are written one per line: ``<count> [skill=<skill>] [org_kind=<kind>] [under_weight=<n>]
[over_weight=<n>]``.  Like every service, these functions take a session and never commit; they
change nothing when any field is wrong.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import time
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from rota.domain import SKILLS, OrgKind
from rota.errors import NotFound
from rota.models import Building, Compound, ShiftTemplate, Station, TravelTime
from rota.services.fields import Fields, skill_list, split_list

MAX_NEED_COUNT = 20
MAX_WEIGHT = 100_000
MAX_TRAVEL_MINUTES = 240
_CODE = re.compile(r"^[A-Za-z0-9_-]{1,20}$")
_NEED_KEYS = {"skill": SKILLS, "org_kind": tuple(k.value for k in OrgKind)}
_WEIGHT_KEYS = ("under_weight", "over_weight")


def get_template(session: Session, station: Station, template_id: int) -> ShiftTemplate:
    """A shift template of the station, or NotFound."""
    template = session.get(ShiftTemplate, template_id)
    if template is None or template.station_id != station.id:
        raise NotFound(f"shift template {template_id} not found at station {station.code}")
    return template


def template_fields(template: ShiftTemplate) -> dict[str, str]:
    """A template as the text fields of its form."""
    return {
        "code": template.code,
        "name_zh": template.name_zh,
        "name_en": template.name_en,
        "weekdays": ",".join(str(d) for d in template.weekdays),
        "start": template.start_time.strftime("%H:%M"),
        "end": template.end_time.strftime("%H:%M"),
        "night": "y" if template.night else "",
        "paid_minutes": "" if template.paid_minutes is None else str(template.paid_minutes),
        "required_skills": ", ".join(template.required_skills),
        "forbidden_next": ", ".join(template.forbidden_next),
        "needs": "\n".join(need_text(n) for n in template.needs),
    }


def need_text(need: Mapping[str, Any]) -> str:
    """A stored need as one line of the needs field."""
    parts = [str(need.get("count", 0))]
    parts += [f"{key}={need[key]}" for key in (*_NEED_KEYS, *_WEIGHT_KEYS) if need.get(key) is not None]
    return " ".join(parts)


def save_template(
    session: Session, station: Station, values: Mapping[str, str], template: ShiftTemplate | None = None
) -> ShiftTemplate:
    """Create (or update) a shift template; existing shifts keep the needs they were made with."""
    fields = Fields(values)
    code = fields.required("code", 20)
    if code and not _CODE.match(code):
        fields.error("code", "letters, digits, - and _ only")
    others = [t for t in station.shift_templates if t is not template]
    if any(t.code == code for t in others):
        fields.error("code", f"{code!r} already exists at this station")
    name_zh, name_en = fields.required("name_zh", 50), fields.required("name_en", 50)
    weekdays = fields.weekdays("weekdays")
    if not weekdays and not any(e.where == "weekdays" for e in fields.errors):
        fields.error("weekdays", "choose at least one day")
    start, end = fields.clock("start"), fields.clock("end")
    paid = fields.integer("paid_minutes", 0, 1440)
    required = skill_list(fields, "required_skills")
    forbidden = split_list(fields.text("forbidden_next"))
    known = {t.code for t in others} | {code}
    for other in forbidden:
        if other not in known:
            fields.error("forbidden_next", f"no shift template {other!r} at this station")
    needs = parse_needs(fields, "needs")
    fields.check("the shift template was not saved")
    if template is None:
        template = ShiftTemplate(station=station)
        session.add(template)
    template.code, template.name_zh, template.name_en = code, name_zh, name_en
    template.weekdays, template.required_skills, template.forbidden_next = weekdays, required, forbidden
    template.start_time, template.end_time = start or time(), end or time()
    template.crosses_midnight = template.end_time <= template.start_time
    template.night, template.paid_minutes, template.needs = bool(fields.text("night")), paid, needs
    session.flush()
    return template


def parse_needs(fields: Fields, name: str) -> list[dict[str, Any]]:
    """Coverage needs, one per line; each problem is reported with its line number."""
    needs = []
    for number, line in enumerate(fields.text(name).splitlines(), start=1):
        if line.strip():
            need = _need(line.split(), f"{name} line {number}", fields)
            if need is not None:
                needs.append(need)
    if not needs and not any(e.where.startswith(name) for e in fields.errors):
        fields.error(name, "at least one need (e.g. 2)")
    return needs


def _need(words: list[str], where: str, fields: Fields) -> dict[str, Any] | None:
    """One need from its words: a count, then key=value pairs."""
    count, *pairs = words
    if not count.isdigit() or not 1 <= int(count) <= MAX_NEED_COUNT:
        fields.error(where, f"{count!r}: the line must start with a count from 1 to {MAX_NEED_COUNT}")
        return None
    need: dict[str, Any] = {"count": int(count)}
    for pair in pairs:
        key, _, value = pair.partition("=")
        if key in _NEED_KEYS and value in _NEED_KEYS[key]:
            need[key] = value
        elif key in _WEIGHT_KEYS and value.isdigit() and int(value) <= MAX_WEIGHT:
            need[key] = int(value)
        else:
            fields.error(where, f"{pair!r} is not skill=, org_kind=, under_weight= or over_weight=")
            return None
    return need


# --- compounds -------------------------------------------------------------------------------


def get_compound(session: Session, station: Station, compound_id: int) -> Compound:
    """A compound of the station, or NotFound."""
    compound = session.get(Compound, compound_id)
    if compound is None or compound.station_id != station.id:
        raise NotFound(f"compound {compound_id} not found at station {station.code}")
    return compound


def compound_fields(compound: Compound) -> dict[str, str]:
    """A compound as the text fields of its form."""
    return {"name": compound.name, "buildings": ", ".join(b.name for b in compound.buildings)}


def save_compound(
    session: Session, station: Station, values: Mapping[str, str], compound: Compound | None = None
) -> Compound:
    """Create (or update) a compound and its buildings; buildings with visit requests stay."""
    fields = Fields(values)
    name = fields.required("name", 100)
    if any(c.name == name for c in station.compounds if c is not compound):
        fields.error("name", f"{name!r} already exists at this station")
    wanted = list(dict.fromkeys(split_list(fields.text("buildings"))))
    for building in wanted:
        if len(building) > 50:
            fields.error("buildings", f"{building!r}: at most 50 characters")
    held = {b.name: b for b in compound.buildings} if compound else {}
    for gone in set(held) - set(wanted):
        if held[gone].visit_requests:
            fields.error("buildings", f"{gone!r} has visit requests and cannot be removed")
    fields.check("the compound was not saved")
    if compound is None:
        compound = Compound(station=station)
        session.add(compound)
    compound.name = name
    compound.buildings = [held.get(b) or Building(name=b) for b in wanted]
    session.flush()
    return compound


def set_travel_time(session: Session, station: Station, values: Mapping[str, str]) -> list[TravelTime]:
    """Minutes between two compounds of the station, both ways."""
    fields = Fields(values)
    ends = [_compound_ref(session, station, fields, key) for key in ("from", "to")]
    minutes = fields.integer("minutes", 0, MAX_TRAVEL_MINUTES)
    if minutes is None and not any(e.where == "minutes" for e in fields.errors):
        fields.error("minutes", "required")
    fields.check("the travel time was not saved")
    first, second = ends[0], ends[1]
    assert first is not None
    assert second is not None
    assert minutes is not None
    saved = []
    for origin, target in {(first, second), (second, first)}:
        row = session.scalars(
            select(TravelTime).where(
                TravelTime.from_compound_id == origin.id, TravelTime.to_compound_id == target.id
            )
        ).one_or_none()
        if row is None:
            row = TravelTime(from_compound=origin, to_compound=target, minutes=minutes)
            session.add(row)
        row.minutes = minutes
        saved.append(row)
    session.flush()
    return saved


def _compound_ref(session: Session, station: Station, fields: Fields, key: str) -> Compound | None:
    """The compound whose id a field holds."""
    value = fields.text(key)
    compound = session.get(Compound, int(value)) if value.isdigit() else None
    if compound is None or compound.station_id != station.id:
        fields.error(key, f"no compound {value!r} at this station" if value else "required")
        return None
    return compound


def station_travel(station: Station) -> list[TravelTime]:
    """Every travel time from the station's compounds."""
    return [t for c in station.compounds for t in c.travel_from]
