"""The app factory, its configuration and its translations."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from tests.web.conftest import Demo, make_app
from web import create_app
from web.db import dispose
from web.i18n import TRANSLATIONS, compile_catalogues

WEB = Path(__file__).resolve().parents[2] / "web"


def test_secret_key_is_generated_once_per_instance_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, seeded: tuple[str, Demo]
) -> None:
    monkeypatch.delenv("ROTA_SECRET_KEY", raising=False)
    monkeypatch.setenv("ROTA_INSTANCE_PATH", str(tmp_path / "instance"))
    apps = [create_app({"DATABASE_URL": seeded[0]}) for _ in range(2)]
    keys = [app.config["SECRET_KEY"] for app in apps]
    for app in apps:
        dispose(app)

    assert keys[0] == keys[1]
    assert len(keys[0]) == 64
    assert (tmp_path / "instance" / "secret_key").stat().st_mode & 0o777 == 0o600


def test_secret_key_from_the_environment(monkeypatch: pytest.MonkeyPatch, seeded: tuple[str, Demo]) -> None:
    monkeypatch.setenv("ROTA_SECRET_KEY", "from-env")
    app = create_app({"DATABASE_URL": seeded[0]})
    dispose(app)

    assert app.config["SECRET_KEY"] == "from-env"


def test_database_url_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("ROTA_DATABASE_URL", f"sqlite:///{tmp_path / 'x.db'}")
    app = create_app({"SECRET_KEY": "k"})
    dispose(app)

    assert app.config["DATABASE_URL"] == f"sqlite:///{tmp_path / 'x.db'}"


def test_every_visible_string_has_a_chinese_translation() -> None:
    method_map = [("**.py", "python"), ("templates/**.html", "jinja2")]
    found = {
        message if isinstance(message, str) else message[0]
        for _, _, message, _, _ in extract_from_dir(
            str(WEB), method_map, keywords={"_": None, "_l": None, "gettext": None, "lazy_gettext": None}
        )
    }
    with (TRANSLATIONS / "zh" / "LC_MESSAGES" / "messages.po").open("rb") as po:
        catalog = read_po(po)
    missing = sorted(m for m in found if not (catalog.get(m) and catalog.get(m).string))

    assert missing == []


def test_stale_catalogues_are_compiled(tmp_path: Path) -> None:
    folder = tmp_path / "xx" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    (folder / "messages.po").write_text('msgid "Hello"\nmsgstr "Hallo"\n', encoding="utf-8")

    written = compile_catalogues(tmp_path)
    again = compile_catalogues(tmp_path)

    assert (written, again) == ([folder / "messages.mo"], [])


def test_feeds_blueprint_is_registered_when_present(seeded: tuple[str, Demo], tmp_path: Path) -> None:
    app = make_app(seeded[0], tmp_path)
    dispose(app)

    assert ("feeds" in app.blueprints) == (WEB / "views" / "feeds.py").exists()
