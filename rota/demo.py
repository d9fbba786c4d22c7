"""A realistic, deterministic demo: one station (江侨社区居家养老服务站) or a whole district of them.

Each station has the four partner organisations plus a volunteer team with quotas, about 25
butlers with skills, certificates (a few expiring during the demo), weekly availability, leave,
preferences and contract limits; station duty and hotline shift templates with coverage needs and
their shifts for four weeks; compounds with buildings and travel times; and about 40 home-visit
requests a week.  Everything follows from ``seed`` and ``start``: the same arguments give the same
rows.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from itertools import pairwise
from typing import Any

from sqlalchemy.orm import Session

from rota.domain import (
    DEFAULT_TIMEZONE,
    LeaveStatus,
    OrgKind,
    ServiceType,
    Urgency,
    local_datetime,
    week_start_of,
)
from rota.errors import FieldError, InvalidInput
from rota.models import (
    Building,
    Compound,
    Leave,
    Organisation,
    Person,
    PersonSkill,
    Preference,
    ShiftTemplate,
    Station,
    TravelTime,
    VisitRequest,
    WeeklyAvailability,
)
from rota.services.stations import materialise_shifts
from rota.services.visits import new_reference
from rota.visits import VisitState

WEEKS = 4
VISITS_PER_WEEK = 40
COMMUNITIES = (
    "江侨", "侨福", "东湖", "西江", "南山", "北街", "新会", "白沙", "蓬江", "潮连", "荷塘", "杜阮", "棠下",
    "环市", "堤东", "紫茶", "仓后", "篁庄", "水南", "丰乐", "良化", "里村", "甘化", "五邑", "外海", "礼乐",
)  # fmt: skip
SURNAMES = "陈李黄张梁林刘吴罗何郑谭周叶余邓冯区麦甄关胡赵杨钟卢苏谢朱潘徐高马许伍彭袁曾莫孔温邝容"
GIVEN = "伟芳敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玲红建国志文辉斌燕萍慧婷雪琳晨欣宇浩俊嘉颖诗晓佩锦荣"
ELDER_GIVEN = ("秀英", "桂兰", "玉珍", "淑芬", "国强", "建华", "志明", "德胜", "惠芳", "金凤", "炳坤", "锦添")
COMPOUND_SUFFIXES = ("花园", "新村", "雅苑", "华庭", "小区", "公寓", "家园", "名苑")
CERTIFICATES = {
    "electrics": "电工证",
    "first_aid": "红十字救护员证",
    "health_consult": "中医执业医师资格证",
    "bathing": "养老护理员证",
}
VISIT_TEXTS = {
    ServiceType.APPLIANCE_REPAIR: ("热水器不出热水", "空调漏水", "厨房灯不亮", "洗衣机不转", "插座跳闸"),
    ServiceType.HEALTH_CONSULT: ("血压偏高想复查", "腰腿痛咨询中医", "出院后随访", "失眠头晕", "用药咨询"),
    ServiceType.HOUSEKEEPING: ("每周清洁", "助浴", "做午饭", "换洗床单", "陪同买菜"),
    ServiceType.FIRST_AID: ("独居老人跌倒", "胸口不适", "低血糖头晕"),
}
# Certificates whose dates fall inside the demo's four weeks, by (organisation kind, rank).
DATED_CERTIFICATES = {
    (OrgKind.CLINIC, 0): "first_aid",  # lapses in the third week
    (OrgKind.PROPERTY, 0): "electrics",  # lapses in the second week
    (OrgKind.HOUSEKEEPING, 1): "bathing",  # valid from the second week on
}
MORNING, AFTERNOON, EVENING = (time(8), time(12, 30)), (time(13), time(18)), (time(17), time(21, 30))


@dataclass(frozen=True)
class OrgSpec:
    """One partner organisation of a station and the kind of people it sends."""

    kind: OrgKind
    name: str  # {c} = community name
    quota_permille: int
    headcount: int
    skills: tuple[str, ...]  # everyone has these
    optional: tuple[tuple[str, float], ...]  # (skill, probability)
    fte_permille: int
    max_shifts_per_week: int
    max_minutes_per_week: int


ORGS = (
    OrgSpec(OrgKind.CADRE, "{c}社区居委会", 300, 7, ("intake", "hotline", "mediation"),
            (("escort", 0.6), ("first_aid", 0.5)), 600, 4, 1320),
    OrgSpec(OrgKind.PROPERTY, "{c}物业服务中心", 250, 6, ("appliance_repair",),
            (("electrics", 0.6), ("plumbing", 0.6), ("hotline", 0.5), ("intake", 0.3)), 500, 3, 960),
    OrgSpec(OrgKind.HOUSEKEEPING, "安心家政{c}服务点", 250, 5, ("cleaning",),
            (("cooking", 0.7), ("bathing", 0.6), ("escort", 0.5), ("intake", 0.4), ("hotline", 0.3)),
            600, 4, 1080),
    OrgSpec(OrgKind.CLINIC, "仁和堂中医馆{c}馆", 200, 4, ("health_consult", "blood_pressure", "first_aid"),
            (), 500, 4, 1080),
    OrgSpec(OrgKind.VOLUNTEER, "{c}志愿者服务队", 0, 4, ("intake",),
            (("hotline", 0.8), ("escort", 0.6), ("first_aid", 0.3)), 200, 2, 600),
)  # fmt: skip


def _need(count: int, skill: str | None = None, org_kind: str | None = None) -> dict[str, Any]:
    """A coverage need as stored on templates; surplus people on the head count cost too."""
    need: dict[str, Any] = {"count": count}
    if skill:
        need["skill"] = skill
    if org_kind:
        need["org_kind"] = org_kind
    if not skill and not org_kind:
        need["over_weight"] = 200
    return need


@dataclass(frozen=True)
class TemplateSpec:
    """A recurring duty of every demo station."""

    code: str
    zh: str
    en: str
    weekdays: tuple[int, ...]
    start: time
    end: time
    needs: tuple[dict[str, Any], ...]
    required: tuple[str, ...] = ()
    night: bool = False
    paid_minutes: int | None = None
    forbidden_next: tuple[str, ...] = ()


TEMPLATES = (
    TemplateSpec("AM", "上午班", "Morning duty", (0, 1, 2, 3, 4, 5), time(8), time(12),
                 (_need(3), _need(1, "health_consult"), _need(1, "intake"))),
    TemplateSpec("PM", "下午班", "Afternoon duty", (0, 1, 2, 3, 4), time(13, 30), time(17, 30),
                 (_need(3), _need(1, "appliance_repair"), _need(1, org_kind="housekeeping"))),
    TemplateSpec("EVE", "晚间值守", "Evening watch", tuple(range(7)), time(17, 30), time(20, 30),
                 (_need(1), _need(1, "first_aid"))),
    TemplateSpec("HL1", "服务专线(早)", "Hotline (day)", tuple(range(7)), time(8), time(14),
                 (_need(1),), required=("hotline",)),
    TemplateSpec("HL2", "服务专线(晚)", "Hotline (evening)", tuple(range(7)), time(14), time(20),
                 (_need(1),), required=("hotline",)),
    # Overnight on-call at home: counted as six paid hours, and never followed by a morning duty.
    TemplateSpec("HLN", "夜间专线", "Night hotline", tuple(range(7)), time(20), time(8),
                 (_need(1),), required=("hotline",), night=True, paid_minutes=360,
                 forbidden_next=("AM", "HL1")),
)  # fmt: skip


@dataclass(frozen=True)
class DemoSummary:
    """What ``seed_demo`` created."""

    stations: int
    people: int
    shifts: int
    visit_requests: int
    weeks: tuple[date, ...]


def seed_demo(session: Session, *, stations: int = 1, seed: int = 0, start: date) -> DemoSummary:
    """Add demo stations covering the week of ``start`` and the three after it; flushes, never commits."""
    if not 1 <= stations <= 999:
        raise InvalidInput("bad demo size", [FieldError("stations", f"{stations} is not between 1 and 999")])
    week0 = week_start_of(start)
    names: set[str] = set()  # shared so that names stay unique across the district
    seeded = [
        _StationSeeder(session, random.Random(f"demo:{seed}:{i}"), i, week0, names).seed()
        for i in range(stations)
    ]
    _lend_neighbours(seeded, random.Random(f"demo:{seed}:neighbours"))
    session.flush()
    return DemoSummary(
        stations=len(seeded),
        people=sum(len(s.people) for s in seeded),
        shifts=sum(len(s.shifts) for s in seeded),
        visit_requests=sum(len(s.visit_requests) for s in seeded),
        weeks=tuple(week0 + timedelta(weeks=w) for w in range(WEEKS)),
    )


def _lend_neighbours(stations: list[Station], rng: random.Random) -> None:
    """In a district, two cadres or volunteers of each station also serve the station before it."""
    for before, station in pairwise(stations):
        helpers = [p for p in station.people if p.org.kind in (OrgKind.CADRE, OrgKind.VOLUNTEER)]
        for person in rng.sample(helpers, 2):
            person.extra_stations.append(before)


@dataclass
class _StationSeeder:
    """Builds one station's rows from its own random stream."""

    session: Session
    rng: random.Random
    index: int
    week0: date
    names: set[str]
    station: Station = field(init=False)

    @property
    def community(self) -> str:
        """The community's name; numbered once the list runs out."""
        base = COMMUNITIES[self.index % len(COMMUNITIES)]
        return base if self.index < len(COMMUNITIES) else f"{base}{self.index // len(COMMUNITIES) + 1}"

    def seed(self) -> Station:
        """Every row of the station."""
        self.station = Station(
            code=f"S{self.index + 1:02d}",
            name=f"{self.community}社区居家养老服务站",
            timezone=DEFAULT_TIMEZONE,
        )
        self.session.add(self.station)
        for spec in ORGS:
            self._organisation(spec)
        self._templates()
        self._leaves()
        self._preferences()
        self._compounds()
        self.session.flush()  # shifts and visits refer to template and building ids
        for week in range(WEEKS):
            materialise_shifts(self.session, self.station, self.week0 + timedelta(weeks=week))
            self._visits(self.week0 + timedelta(weeks=week))
        return self.station

    def _organisation(self, spec: OrgSpec) -> None:
        """A partner organisation and its people."""
        org = Organisation(
            name=spec.name.format(c=self.community), kind=spec.kind, quota_permille=spec.quota_permille
        )
        # Rows join the session through the station's collections (backrefs no longer cascade).
        self.station.organisations.append(org)
        for rank in range(spec.headcount):
            self._person(org, spec, rank)

    def _person(self, org: Organisation, spec: OrgSpec, rank: int) -> None:
        """One butler of an organisation: contract, skills and availability."""
        person = Person(
            org=org,
            name=self._name(),
            phone=self._phone(),
            languages=list(self.rng.choices([["yue", "cmn"], ["cmn"], ["yue"]], weights=[65, 20, 15])[0]),
            fte_permille=spec.fte_permille,
            max_shifts_per_week=spec.max_shifts_per_week,
            max_minutes_per_week=spec.max_minutes_per_week,
            max_consecutive_days=5,
            max_weekends_per_window=2,
            min_rest_minutes=11 * 60,
            max_shifts_per_type={"HLN": 2},
        )
        skills = list(spec.skills) + [s for s, p in spec.optional if self.rng.random() < p]
        special = DATED_CERTIFICATES.get((spec.kind, rank))
        if special and special not in skills:
            skills.append(special)
        for skill in skills:
            person.skills.append(self._skill(skill, spec.kind, rank))
        person.availability.extend(self._availability(spec.kind, rank))
        self.station.people.append(person)

    def _name(self) -> str:
        """A Chinese name not yet used in the district."""
        while True:
            given = "".join(self.rng.sample(GIVEN, self.rng.choice((1, 2, 2))))
            name = self.rng.choice(SURNAMES) + given
            if name not in self.names:
                self.names.add(name)
                return name

    def _phone(self) -> str:
        """A mobile number."""
        return "1" + self.rng.choice("35789") + "".join(self.rng.choices("0123456789", k=9))

    def _skill(self, skill: str, kind: OrgKind, rank: int) -> PersonSkill:
        """A skill; certificates get a validity, a few of them lapsing or starting during the demo."""
        certificate = CERTIFICATES.get(skill)
        if certificate is None:
            return PersonSkill(skill=skill)
        valid_from = self.week0 - timedelta(days=self.rng.randint(200, 1500))
        valid_until = (
            None if skill == "health_consult" else self.week0 + timedelta(days=self.rng.randint(60, 900))
        )
        special = (kind, rank, skill)
        if special == (OrgKind.CLINIC, 0, "first_aid"):
            valid_until = self.week0 + timedelta(days=17)  # lapses in the third week
        elif special == (OrgKind.PROPERTY, 0, "electrics"):
            valid_until = self.week0 + timedelta(days=10)  # lapses in the second week
        elif special == (OrgKind.HOUSEKEEPING, 1, "bathing"):
            valid_from = self.week0 + timedelta(days=8)  # newly qualified in the second week
        elif kind == OrgKind.VOLUNTEER and skill == "first_aid":
            valid_until = self.week0 - timedelta(days=30)  # already expired: needs a refresher
        return PersonSkill(
            skill=skill, certificate=certificate, valid_from=valid_from, valid_until=valid_until
        )

    def _availability(self, kind: OrgKind, rank: int) -> list[WeeklyAvailability]:
        """Weekly windows: staff mostly any time; part-timers some days; volunteers a few half-days."""
        if kind == OrgKind.VOLUNTEER:
            slots = [(day, part) for day in range(7) for part in (MORNING, AFTERNOON, EVENING)]
            chosen = sorted(self.rng.sample(slots, 4), key=lambda s: (s[0], s[1][0]))
            return [WeeklyAvailability(weekday=d, start_time=s, end_time=e) for d, (s, e) in chosen]
        if kind == OrgKind.HOUSEKEEPING or (kind in (OrgKind.PROPERTY, OrgKind.CLINIC) and rank >= 3):
            days = range(6) if rank < 3 else sorted(self.rng.sample(range(6), 4))
            return [WeeklyAvailability(weekday=d, start_time=time(7, 30), end_time=time(18)) for d in days]
        return []  # people without windows are available at any time

    def _templates(self) -> None:
        """The station's duty and hotline templates."""
        for spec in TEMPLATES:
            self.station.shift_templates.append(
                ShiftTemplate(
                    code=spec.code,
                    name_zh=spec.zh,
                    name_en=spec.en,
                    weekdays=list(spec.weekdays),
                    start_time=spec.start,
                    end_time=spec.end,
                    crosses_midnight=spec.end <= spec.start,
                    night=spec.night,
                    paid_minutes=spec.paid_minutes,
                    required_skills=list(spec.required),
                    needs=[dict(n) for n in spec.needs],
                    forbidden_next=list(spec.forbidden_next),
                )
            )

    def _people_of(self, kind: OrgKind) -> list[Person]:
        """The station's people from organisations of one kind."""
        return [p for p in self.station.people if p.org.kind == kind]

    def _leave(self, person: Person, first: int, days: int, status: LeaveStatus, reason: str) -> None:
        """Whole days of leave starting ``first`` days after the first Monday."""
        day = self.week0 + timedelta(days=first)
        start = local_datetime(day, time(), self.station.timezone)
        end = local_datetime(day + timedelta(days=days), time(), self.station.timezone)
        person.leaves.append(Leave(start_at=start, end_at=end, status=status, reason=reason))

    def _leaves(self) -> None:
        """Approved leave (planning respects it), requested (not yet) and declined leave."""
        cadres, clinic = self._people_of(OrgKind.CADRE), self._people_of(OrgKind.CLINIC)
        property_, housekeeping = self._people_of(OrgKind.PROPERTY), self._people_of(OrgKind.HOUSEKEEPING)
        volunteers = self._people_of(OrgKind.VOLUNTEER)
        self._leave(cadres[1], 2, 3, LeaveStatus.APPROVED, "年假")
        self._leave(property_[3], 3, 1, LeaveStatus.APPROVED, "病假")
        self._leave(clinic[2], 7, 2, LeaveStatus.APPROVED, "中医适宜技术培训")
        self._leave(housekeeping[0], 14, 7, LeaveStatus.APPROVED, "探亲假")
        self._leave(housekeeping[4], 5, 1, LeaveStatus.REQUESTED, "家里有事")
        self._leave(cadres[4], 21, 1, LeaveStatus.REQUESTED, "体检")
        self._leave(volunteers[1], 6, 1, LeaveStatus.DECLINED, "外出旅游")

    def _preferences(self) -> None:
        """A handful of wishes: free Sundays, favourite shifts, a family date."""
        people = self.station.people
        templates = {t.code: t for t in self.station.shift_templates}
        picks = self.rng.sample(people, 8)
        wishes = [
            Preference(weekday=6, wants_work=False, weight=5),
            Preference(weekday=6, wants_work=False, weight=5),
            Preference(on_date=self.week0 + timedelta(days=2), wants_work=False, weight=10),
            Preference(weekday=1, template=templates["AM"], wants_work=True, weight=3),
            Preference(weekday=3, template=templates["AM"], wants_work=True, weight=3),
            Preference(weekday=4, template=templates["HLN"], wants_work=False, weight=4),
            Preference(weekday=5, wants_work=True, weight=2),
            Preference(on_date=self.week0 + timedelta(days=9), wants_work=False, weight=8),
        ]
        for person, wish in zip(picks, wishes, strict=True):
            person.preferences.append(wish)

    def _compounds(self) -> None:
        """Three or four compounds with their buildings and the travel times between them."""
        suffixes = self.rng.sample(COMPOUND_SUFFIXES, self.rng.randint(3, 4))
        compounds = [Compound(name=f"{self.community}{s}") for s in suffixes]
        self.station.compounds.extend(compounds)
        for compound in compounds:
            count = self.rng.randint(6, 12)
            compound.buildings.extend(Building(name=f"{n}栋") for n in range(1, count + 1))
        for i, a in enumerate(compounds):
            a.travel_from.append(TravelTime(to_compound=a, minutes=3))
            for b in compounds[i + 1 :]:
                minutes = self.rng.randint(6, 18)
                a.travel_from.append(TravelTime(to_compound=b, minutes=minutes))
                b.travel_from.append(TravelTime(to_compound=a, minutes=minutes))

    def _visits(self, week: date) -> None:
        """The week's home-visit requests."""
        requests = self.station.visit_requests  # loaded before a new request joins a compound's list
        for _ in range(VISITS_PER_WEEK):
            request = self._visit(week)
            requests.append(request)
            # Made with the request, so that no page has to write one on first sight.
            self.session.add(
                VisitState(visit=request, reference=new_reference(), windows=[], booked=False, pinned=False)
            )

    def _visit(self, week: date) -> VisitRequest:
        """One resident's request with a time window on a day of the week."""
        rng = self.rng
        kind = rng.choices(list(VISIT_TEXTS), weights=[30, 30, 30, 10])[0]
        compound = rng.choice(self.station.compounds)
        day = week + timedelta(days=rng.randrange(7))
        emergency = kind == ServiceType.FIRST_AID
        start = local_datetime(day, time(rng.choice((9, 10, 14, 15, 16))), self.station.timezone)
        urgency = Urgency.EMERGENCY if emergency else rng.choices(list(Urgency)[:2], weights=[85, 15])[0]
        return VisitRequest(
            resident_name=rng.choice(SURNAMES) + rng.choice(ELDER_GIVEN),
            resident_phone=self._phone(),
            compound=compound,
            building=rng.choice(compound.buildings),
            flat=f"{rng.randint(1, 18)}{rng.randint(1, 4):02d}",
            language=rng.choices(["yue", "cmn"], weights=[75, 25])[0],
            lives_alone=rng.random() < 0.3,
            service_type=kind,
            description=rng.choice(VISIT_TEXTS[kind]),
            urgency=urgency,
            window_start=start,
            window_end=start + timedelta(hours=1 if emergency else 2),
            requested_at=_requested_at(start, rng.randint(1, 3)),
        )


def _requested_at(window_start: datetime, days_before: int) -> datetime:
    """When a resident phoned: a few days before the visit, mid-morning."""
    return (window_start - timedelta(days=days_before)).replace(hour=9, minute=30)
