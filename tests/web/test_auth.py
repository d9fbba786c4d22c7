"""Logging in and out, the login rate limit, CSRF, languages and large text."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask.testing import FlaskClient

from tests.web.conftest import PASSWORD, WEEK, Demo, login, make_app
from web.db import dispose


@pytest.mark.parametrize(
    ("username", "password"),
    [
        ("coordinator", "wrong-password"),
        ("nobody", PASSWORD),
        ("", PASSWORD),
        ("coordinator", ""),
    ],
)
def test_login_refused_with_message(client: FlaskClient, username: str, password: str) -> None:
    response = client.post("/login", data={"username": username, "password": password})

    assert response.status_code == 401
    assert "用户名或密码错误" in response.text
    assert client.get("/me/shifts").status_code == 302


@pytest.mark.parametrize(
    ("username", "landing"),
    [("coordinator", "/rota/"), ("staff", "/me/shifts"), ("resident", "/resident")],
)
def test_login_sends_each_role_to_its_page(client: FlaskClient, username: str, landing: str) -> None:
    login(client, username)

    assert client.get("/").location == landing


def test_login_follows_a_local_next_page_only(client: FlaskClient) -> None:
    data = {"username": "staff", "password": PASSWORD}

    local = client.post("/login?next=/me/shifts", data=data)
    client.post("/logout")
    foreign = client.post("/login?next=//evil.example/x", data=data)

    assert (local.location, foreign.location) == ("/me/shifts", "/")


def test_logout_ends_the_session(client: FlaskClient) -> None:
    login(client, "staff")

    response = client.post("/logout")

    assert response.location == "/login"
    assert client.get("/me/shifts").location == "/login?next=/me/shifts"


def test_login_is_rate_limited_per_address(seeded: tuple[str, Demo], tmp_path: Path) -> None:
    app = make_app(seeded[0], tmp_path, LOGIN_RATE_LIMIT="3 per minute")
    client = app.test_client()
    try:
        codes = [client.post("/login", data={"username": "x", "password": "y"}).status_code for _ in range(4)]
        blocked = client.post("/login", data={"username": "coordinator", "password": PASSWORD})
    finally:
        dispose(app)

    assert codes == [401, 401, 401, 429]
    assert blocked.status_code == 429
    assert "尝试次数过多" in blocked.text


def test_forms_refuse_a_post_without_csrf_token(seeded: tuple[str, Demo], tmp_path: Path) -> None:
    app = make_app(seeded[0], tmp_path, WTF_CSRF_ENABLED=True)
    client = app.test_client()
    try:
        response = client.post("/login", data={"username": "coordinator", "password": PASSWORD})
    finally:
        dispose(app)

    assert response.status_code == 400
    assert "表单可能已过期" in response.text


def test_forms_accept_the_token_of_the_page(seeded: tuple[str, Demo], tmp_path: Path) -> None:
    app = make_app(seeded[0], tmp_path, WTF_CSRF_ENABLED=True)
    client = app.test_client()
    try:
        page = client.get("/login").text
        token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
        response = client.post(
            "/login", data={"username": "coordinator", "password": PASSWORD, "csrf_token": token}
        )
    finally:
        dispose(app)

    assert response.status_code == 303


def test_chinese_is_the_default_and_english_can_be_chosen(client: FlaskClient) -> None:
    before = client.get("/login").text

    client.post("/language", data={"lang": "en"})
    after = client.get("/login").text

    assert ('<html lang="zh-CN"' in before, "登录" in before) == (True, True)
    assert ('<html lang="en"' in after, "Log in" in after) == (True, True)


def test_language_survives_login(client: FlaskClient, demo: Demo) -> None:
    client.post("/language", data={"lang": "en"})

    login(client, "coordinator")

    assert "Re-plan around pins" in client.get(f"/rota/{demo.station}/{WEEK}").text


def test_unknown_language_is_ignored(client: FlaskClient) -> None:
    client.post("/language", data={"lang": "fr"})

    assert '<html lang="zh-CN"' in client.get("/login").text


def test_large_text_toggles(client: FlaskClient) -> None:
    client.post("/text-size")
    on = client.get("/login").text
    client.post("/text-size")
    off = client.get("/login").text

    assert ('class="large-text"' in on, 'class="large-text"' in off) == (True, False)
