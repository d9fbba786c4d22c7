"""Forms of the self-service, approval and activity pages (Flask-WTF: each carries a CSRF token)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, SelectField, StringField, TimeField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from rota.domain import SKILLS, WEEKDAYS_EN, WEEKDAYS_ZH
from web.common import is_english


def weekday_choices() -> list[SelectChoice]:
    """Monday to Sunday in the page's language."""
    names = WEEKDAYS_EN if is_english() else WEEKDAYS_ZH
    return [SelectChoice(i, name) for i, name in enumerate(names)]


class WindowForm(FlaskForm):
    """A weekly availability window."""

    weekday = SelectField(_l("Day"), coerce=int, validators=[InputRequired()])
    start = TimeField(_l("From"), validators=[InputRequired()])
    end = TimeField(_l("Until"), validators=[InputRequired()])


class PreferenceForm(FlaskForm):
    """A wish to work or not, on a date or every given weekday, on one shift or any."""

    wants_work = SelectField(
        _l("Wish"), choices=[SelectChoice("0", _l("Rather not work")), SelectChoice("1", _l("Like to work"))]
    )
    on_date = DateField(_l("On the date"), validators=[Optional()])
    weekday = SelectField(_l("Or every"), coerce=int, validators=[Optional()])
    template_id = SelectField(_l("Shift"), coerce=int, validators=[Optional()])
    weight = IntegerField(_l("How much (1-10)"), default=3, validators=[InputRequired(), NumberRange(1, 10)])


class LeaveForm(FlaskForm):
    """Whole days of leave."""

    first = DateField(_l("First day"), validators=[InputRequired()])
    last = DateField(_l("Last day"), validators=[InputRequired()])
    reason = StringField(_l("Reason"), validators=[Optional(), Length(max=200)])


class SwapForm(FlaskForm):
    """Offer one of my shifts to a colleague, in exchange for one of theirs or as a hand-over."""

    shift_id = SelectField(_l("My shift"), coerce=int, validators=[InputRequired()])
    colleague_id = SelectField(_l("Colleague"), coerce=int, validators=[InputRequired()])
    other_shift_id = SelectField(_l("In exchange for"), coerce=int, validators=[Optional()])
    note = StringField(_l("Note"), validators=[Optional(), Length(max=200)])


class DecisionForm(FlaskForm):
    """Approve or decline, with a reason (needed to decline leave)."""

    decision = SelectField(choices=[SelectChoice("approve", ""), SelectChoice("decline", "")])
    note = StringField(_l("Reason"), validators=[Optional(), Length(max=200)])


class ActivityForm(FlaskForm):
    """A one-off activity with its coverage and an optional sign-up deadline."""

    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=100)])
    kind = SelectField(_l("Kind"), validators=[InputRequired()])
    day = DateField(_l("Date"), validators=[InputRequired()])
    start = TimeField(_l("From"), validators=[InputRequired()])
    end = TimeField(_l("Until"), validators=[InputRequired()])
    places = IntegerField(_l("People needed"), default=2, validators=[InputRequired(), NumberRange(1, 50)])
    skill = SelectField(_l("Skill needed"), validators=[Optional()])
    signup_until = DateField(_l("Volunteers may sign up until (empty: no sign-up)"), validators=[Optional()])


class AttendanceForm(FlaskForm):
    """How many residents came to an activity."""

    attendance = IntegerField(_l("Attendance"), validators=[InputRequired(), NumberRange(0, 100_000)])


def skill_choices() -> list[SelectChoice]:
    """No particular skill, then every skill code."""
    return [SelectChoice("", "-"), *(SelectChoice(s, s) for s in SKILLS)]
