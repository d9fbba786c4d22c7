"""The web forms (Flask-WTF: every form carries a CSRF token) and turning their errors into InvalidInput."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, IntegerField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from rota.errors import FieldError, InvalidInput


class LoginForm(FlaskForm):
    """Username and password."""

    username = StringField(_l("Username"), validators=[DataRequired(), Length(max=50)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])


class ActionForm(FlaskForm):
    """A button that changes something: only the CSRF token, plus the version the page showed."""

    version = HiddenField()


class LanguageForm(FlaskForm):
    """The language switch."""

    lang = SelectField(
        choices=[SelectChoice("zh_CN", "中文"), SelectChoice("en", "English")], validators=[InputRequired()]
    )


class GenerateForm(FlaskForm):
    """Generate a rota: an optional time limit in seconds."""

    time_limit = IntegerField(_l("Time limit (seconds)"), validators=[Optional(), NumberRange(1, 300)])


class PinForm(FlaskForm):
    """Pin or unpin an assignment."""

    pinned = BooleanField(_l("Pinned"))


class MoveForm(FlaskForm):
    """Move an assignment to another shift of the week."""

    shift_id = SelectField(_l("Move to"), coerce=int, validators=[InputRequired()])


class AddForm(FlaskForm):
    """Put a person on a shift."""

    shift_id = SelectField(_l("Shift"), coerce=int, validators=[InputRequired()])
    person_id = SelectField(_l("Person"), coerce=int, validators=[InputRequired()])


def validated(form: FlaskForm) -> FlaskForm:
    """The form if it validates on a POST; InvalidInput naming each bad field otherwise."""
    if form.validate_on_submit():
        return form
    errors = [
        FieldError(name, str(message))
        for name, messages in form.errors.items()
        for message in messages
        if name != "csrf_token"
    ]
    raise InvalidInput(str(_l("Please correct the form.")), errors)


def expected_version(form: FlaskForm) -> int | None:
    """The rota version a form was rendered for, if it says."""
    raw = getattr(form, "version", None)
    value = raw.data if raw is not None else None
    return int(value) if value and str(value).isdigit() else None
