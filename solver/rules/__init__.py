"""The rule catalogue: every rule's id, bilingual label and penalty unit (see docs/rules.md).

Each rule is one ``add_<rule>(m: RotaModel) -> list[Penalty]`` function in the modules of
this package; ``solver.model`` applies them in the order of ``HARD_RULES`` and ``SOFT_RULES``.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType


@dataclass(frozen=True)
class RuleInfo:
    """What a user sees of a rule."""

    id: str
    zh: str
    en: str
    hard: bool
    unit_zh: str = ""
    unit_en: str = ""


_ALL = (
    RuleInfo("qualification", "资质与证书", "Skills and certificates", True),
    RuleInfo("availability", "可用时间与请假", "Availability and leave", True),
    RuleInfo("no_double_booking", "不重复排班", "No double booking", True),
    RuleInfo("min_rest", "最短休息时间", "Minimum rest", True),
    RuleInfo("forbidden_succession", "禁止的班次衔接", "Forbidden shift successions", True),
    RuleInfo("max_shifts", "班次总数上限", "Maximum shifts", True),
    RuleInfo("min_shifts", "班次总数下限", "Minimum shifts", True),
    RuleInfo("max_shifts_per_type", "每类班次上限", "Maximum shifts per type", True),
    RuleInfo("max_shifts_per_week", "每周班次上限", "Maximum shifts per week", True),
    RuleInfo("max_minutes", "工时上限", "Maximum working time", True),
    RuleInfo("min_minutes", "工时下限", "Minimum working time", True),
    RuleInfo("max_minutes_per_week", "每周工时上限", "Maximum working time per week", True),
    RuleInfo("min_minutes_per_week", "每周工时下限", "Minimum working time per week", True),
    RuleInfo("max_consecutive_days", "最多连续上班天数", "Maximum consecutive working days", True),
    RuleInfo("min_consecutive_days", "最少连续上班天数", "Minimum consecutive working days", True),
    RuleInfo("min_consecutive_days_off", "最少连续休息天数", "Minimum consecutive days off", True),
    RuleInfo("max_consecutive_by_type", "同类班次最多连续天数", "Maximum consecutive shifts of a type", True),
    RuleInfo("max_weekends", "周末上班上限", "Maximum working weekends", True),
    RuleInfo("pins", "固定安排", "Pinned assignments", True),
    RuleInfo(
        "visit_no_overlap", "上门服务不与值班冲突", "Visits clear of duty, other visits and leave", True
    ),
    RuleInfo("visit_travel", "上门服务之间的路程时间", "Travel time between visits", True),
    RuleInfo("coverage_under", "人手不足", "Understaffing", False, "缺少人数", "missing people"),
    RuleInfo("coverage_over", "人手过多", "Overstaffing", False, "多余人数", "surplus people"),
    RuleInfo("shift_on_request", "希望上班未满足", "Unmet requests to work", False, "条", "requests"),
    RuleInfo("shift_off_request", "希望休息未满足", "Unmet requests for time off", False, "条", "requests"),
    RuleInfo("fairness", "人员负担公平", "Fair load between people", False, "小时偏差", "hours off share"),
    RuleInfo(
        "org_share", "单位轮值份额", "Organisations' rotation share", False, "小时偏差", "hours off quota"
    ),
    RuleInfo("weekend_fairness", "周末负担公平", "Fair weekend duty", False, "班次差", "shifts of spread"),
    RuleInfo("night_fairness", "夜班负担公平", "Fair night duty", False, "班次差", "shifts of spread"),
    RuleInfo("holiday_fairness", "节假日负担公平", "Fair holiday duty", False, "班次差", "shifts of spread"),
    RuleInfo("stability", "保持已发布安排", "Stay close to the published rota", False, "处变更", "changes"),
    RuleInfo("visit_unserved", "上门服务未安排", "Unserved home visits", False, "次", "visits"),
    RuleInfo("visit_continuity", "上门服务连续性", "Same butler for the same elder", False, "次", "visits"),
    RuleInfo("visit_language", "语言匹配", "Language match on visits", False, "次", "visits"),
    RuleInfo("visit_lateness", "紧急上门及时性", "Urgent visits served early", False, "小时", "hours late"),
    RuleInfo(
        "visit_stability", "保持已发布的上门安排", "Keep published visits", False, "次", "visits changed"
    ),
)

RULES = MappingProxyType({r.id: r for r in _ALL})
SOFT_RULE_IDS = tuple(r.id for r in _ALL if not r.hard)
HARD_RULE_IDS = tuple(r.id for r in _ALL if r.hard)
