"""``pip install .`` into an empty virtualenv gives a working, well-named package."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO

_IGNORE = shutil.ignore_patterns(".git", ".venv", "build", "dist", "*.egg-info", "__pycache__", "node_modules",
                                 ".pytest_cache", ".hypothesis", ".tools", ".mcplint_cache")


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("packaging")
    source = work / "src"
    shutil.copytree(REPO, source, ignore=_IGNORE)
    venv = work / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    pip = subprocess.run(
        [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", str(source)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert pip.returncode == 0, pip.stderr[-2000:]
    return venv


def _site_packages(venv: Path) -> Path:
    out = subprocess.run(
        [str(venv / "bin" / "python"), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True, text=True, check=True,
    )
    return Path(out.stdout.strip())


def test_version_works_from_another_directory(installed: Path, tmp_path: Path) -> None:
    result = subprocess.run([str(installed / "bin" / "mcplint"), "--version"], cwd=tmp_path,
                            capture_output=True, text=True)
    assert result.returncode == 0 and result.stdout.startswith("mcplint ")


def test_nothing_generic_at_the_top_of_site_packages(installed: Path) -> None:
    top = set(os.listdir(_site_packages(installed)))
    assert not {"linter", "rules", "schemas", "tests", "examples"} & top
    assert "mcplint" in top


def test_every_source_package_is_installed(installed: Path) -> None:
    site = _site_packages(installed) / "mcplint"
    for folder, target in (("linter", site), ("rules", site / "rules"), ("schemas", site / "schemas")):
        for init in (REPO / folder).rglob("__init__.py"):
            relative = init.parent.relative_to(REPO / folder)
            assert (target / relative / "__init__.py").is_file(), f"{folder}/{relative} is not packaged"
    assert (site / "schemas" / "report.schema.json").is_file()


def test_installed_copy_lints_the_example(installed: Path, tmp_path: Path) -> None:
    result = subprocess.run(
        [str(installed / "bin" / "mcplint"), str(REPO / "examples"), "--format", "json"],
        cwd=tmp_path, capture_output=True, text=True,
    )
    assert result.returncode == 1, result.stderr
    assert '"rule_id": "CRED001"' in result.stdout
