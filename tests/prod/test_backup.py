"""``rota export-all`` / ``import-all``: the whole database round-trips through JSON."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from tests.conftest import isolated_database
from tests.prod.conftest import ROTA
from tests.web.conftest import Demo


def rota(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    """Run the ``rota`` command on a database."""
    env = os.environ | {"ROTA_DATABASE_URL": url}
    return subprocess.run(
        [str(ROTA), *args], env=env, capture_output=True, text=True, timeout=120, check=False
    )


def test_export_import_export_is_identical(seeded: tuple[str, Demo], tmp_path: Path) -> None:
    first, second = tmp_path / "first.json", tmp_path / "second.json"
    assert rota(seeded[0], "export-all", "-o", str(first)).returncode == 0
    (tmp_path / "empty").mkdir()
    with isolated_database(tmp_path / "empty") as empty:
        assert rota(empty, "db", "upgrade").returncode == 0

        imported = rota(empty, "import-all", str(first))
        rota(empty, "export-all", "-o", str(second))

    assert imported.returncode == 0, imported.stderr
    data = json.loads(first.read_text(encoding="utf-8"))
    assert sum(map(len, data["tables"].values())) > 100
    assert json.loads(second.read_text(encoding="utf-8")) == data


def test_import_into_nonempty_database_changes_nothing(seeded: tuple[str, Demo], tmp_path: Path) -> None:
    backup, after = tmp_path / "backup.json", tmp_path / "after.json"
    rota(seeded[0], "export-all", "-o", str(backup))

    refused = rota(seeded[0], "import-all", str(backup))
    rota(seeded[0], "export-all", "-o", str(after))

    assert refused.returncode == 2
    assert "the database is not empty" in refused.stderr
    assert after.read_text(encoding="utf-8") == backup.read_text(encoding="utf-8")


@pytest.mark.parametrize(("content", "message"), [('{"format": "x"}', "not a backup file")])
def test_import_of_wrong_file_is_refused(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(content, encoding="utf-8")
    with isolated_database(tmp_path) as url:
        rota(url, "db", "upgrade")
        result = rota(url, "import-all", str(path))
    assert (result.returncode, message in result.stderr) == (2, True)
