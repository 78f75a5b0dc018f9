"""Fixtures for the conformance suite: the real flAPI binary, through ../shared/oracle/flapi-oracle.

Without the oracle (a plain clone) every test here is skipped with a visible reason; with
``MCPLINT_REQUIRE_ORACLE=1`` (CI) a missing or broken oracle fails the tests instead.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from conformance.oracle import DEFAULT_VERSION, Oracle, find_oracle

HERE = Path(__file__).resolve().parent
ABSENT = "needs ../shared/oracle (the real flAPI); absent in a plain clone"
OLD_VERSION = "26.6.28"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Every test in this folder carries the ``conformance`` marker."""
    for item in items:
        if HERE in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.conformance)


def _unavailable(reason: str) -> None:
    """Skip, or fail when ``MCPLINT_REQUIRE_ORACLE=1`` (a missing oracle must not pass CI silently)."""
    if os.environ.get("MCPLINT_REQUIRE_ORACLE") == "1":
        pytest.fail(f"MCPLINT_REQUIRE_ORACLE=1 but {reason}", pytrace=False)
    pytest.skip(reason)


def _oracle(version: str) -> Oracle:
    script = find_oracle()
    if script is None:
        _unavailable(ABSENT)
    oracle = Oracle(script, version)
    done = oracle.setup()
    if done.returncode != 0:
        _unavailable(f"flapi-oracle setup of flAPI {version} failed: {done.output.strip()[-2000:]}")
    return oracle


@pytest.fixture(scope="session")
def oracle() -> Oracle:
    """flAPI 26.10.2 (serves and validates)."""
    return _oracle(DEFAULT_VERSION)


@pytest.fixture(scope="session")
def oracle_26_6() -> Oracle:
    """flAPI 26.6.28: ``--validate-config`` only (no DuckDB extension for it here, so it cannot serve)."""
    return _oracle(OLD_VERSION)
