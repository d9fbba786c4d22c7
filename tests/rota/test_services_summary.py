"""The terminal summary of a solve, and the CLI's error table and progress line."""

from __future__ import annotations

from rota.cli import EXIT_CODES, ProgressLine, error_lines, exit_code
from rota.errors import (
    FieldError,
    InfeasibleRota,
    InvalidInput,
    NotFound,
    RotaError,
    SolverTimeout,
    StateConflict,
)
from rota.services.summary import format_summary, pad, width
from solver.instance import Need, Organisation, Person, Problem, Shift, ShiftType
from solver.model import Progress
from solver.result import Hole, Load, Message, RuleScore, SolveResult

PROBLEM = Problem(
    name="测试站 2026-W49",
    start_date="2026-11-30",
    days=7,
    organisations=(Organisation("O1", "居委会", "cadre", 1000),),
    people=(Person("P1", "张伟", "O1"),),
    shift_types=(ShiftType("AM", "上午班"),),
    shifts=(Shift("S-AM", "AM", 1, 1920, 2160, needs=(Need(2),)),),
)
HOLE = Hole("S-AM", 0, 1, Message("short", "周二 上午班 缺 1 人", "Tue morning is 1 short"))
RESULT = SolveResult(
    status="feasible",
    objective=1000,
    bound=800,
    wall_time=2.04,
    assignments=(("P1", "S-AM"),),
    breakdown=(RuleScore("coverage_under", "人手不足", "Understaffing", 1, 1000),),
    holes=(HOLE,),
    person_load=(Load("P1", 1, 240, 240),),
    org_load=(Load("O1", 1, 240, 240),),
)


def test_the_summary_in_chinese() -> None:
    text = format_summary(PROBLEM, RESULT, "zh")

    assert text.splitlines()[:2] == [
        "测试站 2026-W49 · 2026-11-30 - 2026-12-06",
        "状态: 可行解（未证明最优）   目标值: 1000   下界: 800   差距: 20.0%   用时: 2.0 s",
    ]
    assert "  人手不足     1  1000" in text
    assert "  张伟 (居委会)     1  4.0 h     4.0 h" in text
    assert "未排满的班次 (1)\n  周二 上午班 缺 1 人" in text


def test_the_summary_in_english() -> None:
    text = format_summary(PROBLEM, RESULT, "en")

    assert "Status: feasible (not proven optimal)   objective: 1000" in text
    assert "Understaffing" in text
    assert "Unfilled slots (1)\n  Tue morning is 1 short" in text


def test_without_a_rota_there_is_no_hole_list() -> None:
    text = format_summary(PROBLEM, SolveResult("unknown", None, None, 10.0), "en")

    assert "no solution within the time limit" in text
    assert "Unfilled" not in text


def test_chinese_characters_take_two_columns() -> None:
    assert (width("张伟 ab"), pad("张伟", 6)) == (7, "张伟  ")


def test_every_domain_error_has_one_exit_code() -> None:
    codes = {kind: exit_code(kind("x")) for kind in (InvalidInput, NotFound, StateConflict, SolverTimeout)}

    assert codes == {InvalidInput: 2, NotFound: 2, StateConflict: 3, SolverTimeout: 5}
    assert exit_code(InfeasibleRota("x")) == 4
    assert EXIT_CODES[-1] == (RotaError, 1)


def test_error_lines_name_each_field() -> None:
    error = InvalidInput("bad problem", [FieldError("$.people[0].org", "unknown organisation 'O9'")])

    assert error_lines(error) == ["Error: bad problem", "  $.people[0].org: unknown organisation 'O9'"]


def test_progress_is_throttled_off_a_terminal() -> None:
    lines: list[str] = []
    progress = ProgressLine(interactive=False, echo=lines.append)

    for objective, at in ((90, 0.1), (80, 0.3), (70, 0.7)):
        progress(Progress(objective, 10, at))

    assert lines == ["best objective 90, bound 10 (0.1 s)\n", "best objective 70, bound 10 (0.7 s)\n"]
