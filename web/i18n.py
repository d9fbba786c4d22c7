"""Languages: Simplified Chinese by default, English on request; the choice lives in the session.

The Chinese catalogue sits in ``translations/zh``: Babel names the zh_CN locale ``zh_Hans_CN``,
and gettext falls back from that to ``zh``.
"""

from __future__ import annotations

from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask, current_app, session
from flask_babel import Babel, get_locale

TRANSLATIONS = Path(__file__).resolve().parent / "translations"


def init_app(app: Flask) -> None:
    """Compile any missing or stale catalogue, then attach Flask-Babel with the session's language."""
    compile_catalogues(TRANSLATIONS)
    Babel(app, locale_selector=select_locale)
    app.jinja_env.globals["current_lang"] = current_lang


def select_locale() -> str:
    """The session's language if it is one we offer, else the default (zh_CN)."""
    chosen = session.get("lang")
    if chosen in current_app.config["LANGUAGES"]:
        return str(chosen)
    return str(current_app.config["BABEL_DEFAULT_LOCALE"])


def current_lang() -> str:
    """The language of this request as a BCP 47 tag for ``<html lang>`` ("zh-CN" or "en")."""
    locale = get_locale()
    return "en" if locale is not None and locale.language == "en" else "zh-CN"


def compile_catalogues(root: Path) -> list[Path]:
    """Write ``messages.mo`` next to every ``messages.po`` that is newer (a fresh clone always works)."""
    written = []
    for po_path in sorted(root.glob("*/LC_MESSAGES/messages.po")):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as po_file:
            catalog = read_po(po_file)
        try:
            with mo_path.open("wb") as mo_file:
                write_mo(mo_file, catalog)
        except OSError:  # a read-only install keeps the committed .mo
            continue
        written.append(mo_path)
    return written
