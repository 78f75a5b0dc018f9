"""What a run keeps per file stays small, and the output stays the same bytes.

A large tree's memory is what a run keeps per file until the report is written
(issue 25: at most 5 KB per endpoint, measured by ``bench/run.py``). Speed and
memory are measured there, not here; these tests pin the behaviour the figures
rely on, so that a change that undoes it fails a test instead of quietly
raising the figure:

- a checked file's text is packed, and the report does not unpack it
  (``SourceFile.pack``, ``packed_text``);
- a source keeps its absolute name as the root's shared prefix;
- the reports are written in pieces (``reporters/json_stream.py``), and the pieces
  are the bytes the whole document gives.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conftest import REPO
from mcplint import api
from mcplint.model.builder import _is_file
from mcplint.model.flapi import CheckedEndpoint
from mcplint.packed_text import pack, unpack
from mcplint.reporters import FORMATS, get_reporter, get_writer
from mcplint.reporters.safe_text import json_text
from mcplint.source import SourceFile
from test_streaming import PASSWORD, _project

sys.path.insert(0, str(REPO / "bench"))
from generate import generate  # noqa: E402

# ------------------------------------------------------------------ packed texts

ODD_TEXTS = ["", "a", "mcplint: ignore[X]", "é" * 5000, "lone \udc80 surrogate", "\x00\uffff\U0010ffff", "x" * 70000]


@pytest.mark.parametrize("text", ODD_TEXTS)
def test_a_packed_text_unpacks_to_itself(text: str) -> None:
    assert unpack(pack(text)) == text


@given(st.text())
def test_any_text_unpacks_to_itself(text: str) -> None:
    assert unpack(pack(text)) == text


def test_an_endpoint_file_packs_to_well_under_half_its_size() -> None:
    text = (REPO / "examples/sqls/orders.yaml").read_text(encoding="utf-8")
    assert len(pack(text)) < len(text.encode()) * 0.45


def _source(text: str) -> SourceFile:
    return SourceFile("sqls/a.yaml", "/root/sqls/a.yaml", text, root_prefix="/root/")


def test_a_packed_source_gives_the_same_text_lines_and_positions() -> None:
    text = "url-path: /x\n# mcplint: ignore[CORS001] -- why\nméthod: GET\r\nend"
    plain, packed = _source(text), _source(text)
    packed.pack()
    assert packed.text == text
    assert packed.span(20, 30) == plain.span(20, 30)
    assert [packed.line_text(n) for n in (1, 2, 3, 4)] == [plain.line_text(n) for n in (1, 2, 3, 4)]


def test_what_the_report_asks_of_a_packed_source_leaves_it_packed() -> None:
    text = "url-path: /x\n# mcplint: ignore[CORS001] -- why\n"
    source = _source(text)
    source.pack()
    assert source.contains("mcplint:")
    assert source.text_between(0, 8) == "url-path"
    assert source.packed
    assert not source.contains("zzz")  # any other search reads the text: unpacked, and kept so
    assert not source.packed
    quiet = _source("url-path: /x\n")
    quiet.pack()
    assert not quiet.contains("mcplint:") and quiet.packed
    assert quiet.text == "url-path: /x\n" and not quiet.packed


def test_a_source_keeps_its_absolute_name_as_the_root_prefix_when_it_can() -> None:
    rooted = SourceFile("sqls/a.yaml", "/root/sqls/a.yaml", "", root_prefix="/root/")
    elsewhere = SourceFile("sqls/a.yaml", "/other/sqls/a.yaml", "", root_prefix="/root/")
    plain = SourceFile("sqls/a.yaml", Path("/root/sqls/a.yaml"), "")
    for source, name in ((rooted, "/root/sqls/a.yaml"), (elsewhere, "/other/sqls/a.yaml"),
                         (plain, "/root/sqls/a.yaml")):
        assert source.abs_name == name
        assert source.abs_path == Path(name)
        assert source.suffix == ".yaml"


def test_a_streaming_run_leaves_every_checked_file_packed_after_its_report(tmp_path: Path) -> None:
    """The report (fingerprints, suppression comments, every format but text excerpts) reads checked
    files without unpacking them: one that did would keep the whole text of every file again."""
    root = _project(tmp_path / "p", endpoints=8)
    run = api.lint([root], root, keep_model=False)
    for name in ("json", "sarif", "github"):
        get_reporter(name)(run.report)
    checked = [e for p in run.model.projects for e in p.endpoints if isinstance(e, CheckedEndpoint)]
    assert len(checked) >= 4
    assert run.report.results  # findings were fingerprinted, in checked files too
    assert {r.span.path for r in run.report.results} & {e.unit_path for e in checked}
    for endpoint in checked:
        assert run.model.sources[endpoint.unit_path].packed, endpoint.unit_path
    assert PASSWORD not in get_reporter("text")(run.report)


# ------------------------------------------------------------------ reports in pieces


def _whole_json(text: str) -> str:
    """What ``json.dumps`` of the whole document gives, as the JSON reporters wrote it before pieces."""
    return json_text(json.dumps(json.loads(text), indent=2, ensure_ascii=False)) + "\n"


@pytest.fixture(scope="module")
def large_run(tmp_path_factory: pytest.TempPathFactory) -> api.LintRun:
    root = tmp_path_factory.mktemp("large") / "project"
    generate(root, 300)
    return api.lint([root], root, keep_model=False)


@pytest.mark.parametrize("name", ["json", "sarif"])
def test_json_reports_in_pieces_are_the_whole_document(large_run: api.LintRun, name: str) -> None:
    pieces = list(get_writer(name)(large_run.report))
    text = "".join(pieces)
    assert len(pieces) > 2, "a report this size is written in several pieces"
    assert text == _whole_json(text)


@pytest.mark.parametrize("name", ["json", "sarif"])
def test_a_json_report_without_findings_is_the_whole_document(tmp_path: Path, name: str) -> None:
    (tmp_path / "notes.yaml").write_text("a: 1\n", encoding="utf-8")
    run = api.lint([tmp_path], tmp_path, keep_model=False)
    assert not run.report.results
    text = get_reporter(name)(run.report)
    assert text == _whole_json(text)
    assert '"findings": []' in text or '"results": []' in text


def test_json_pieces_end_between_tokens_so_escaping_them_one_by_one_is_escaping_the_whole(tmp_path: Path) -> None:
    """A `##[` (a CI log command) in scanned text is escaped although the report is written in pieces."""
    (tmp_path / "flapi.yaml").write_text("template:\n  path: sqls\ncors:\n  allow-origins: ['##[group]*']\n",
                                         encoding="utf-8")
    (tmp_path / "sqls").mkdir()
    run = api.lint([tmp_path], tmp_path, keep_model=False)
    for name in ("json", "sarif"):
        text = get_reporter(name)(run.report)
        assert "##[" not in text and "##\\u005b" in text
        assert text == _whole_json(text)


@pytest.mark.parametrize("name", ["text", "github"])
def test_line_reports_are_written_in_whole_lines(large_run: api.LintRun, name: str) -> None:
    options = {"colour": False} if name == "text" else {}
    pieces = list(get_writer(name)(large_run.report, **options))
    assert len(pieces) > 2
    assert all(piece.endswith("\n") for piece in pieces)
    assert "".join(pieces) == get_reporter(name)(large_run.report, **options)


@pytest.mark.parametrize("name", FORMATS)
def test_the_command_line_writes_the_same_bytes_to_stdout_and_to_a_file(tmp_path: Path, name: str) -> None:
    out = tmp_path / f"report.{name}"
    env = {**os.environ, "NO_COLOR": "1"}
    common = [sys.executable, "-m", "mcplint", "examples", "--no-cache", "--format", name, "--exit-zero"]
    shown = subprocess.run(common, cwd=REPO, capture_output=True, env=env, timeout=120, check=True)
    subprocess.run([*common, "-o", str(out)], cwd=REPO, capture_output=True, env=env, timeout=120, check=True)
    assert shown.stdout == out.read_bytes()
    assert len(shown.stdout) > 1000


# ------------------------------------------------------------------ file tests without Path objects


def test_is_file_answers_as_path_is_file(tmp_path: Path) -> None:
    (tmp_path / "f.yaml").write_text("", encoding="utf-8")
    assert _is_file(tmp_path / "f.yaml") is True
    assert _is_file(str(tmp_path / "f.yaml")) is True
    assert _is_file(tmp_path) is False
    assert _is_file(tmp_path / "missing.yaml") is False
    assert _is_file(tmp_path / "f.yaml" / "below") is False  # ENOTDIR
    assert _is_file("bad\0name") is False


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root searches any folder")
def test_is_file_says_none_when_a_folder_on_the_way_cannot_be_searched(tmp_path: Path) -> None:  # pragma: no cover
    locked = tmp_path / "locked"
    locked.mkdir()
    (locked / "f.yaml").write_text("", encoding="utf-8")
    locked.chmod(0o000)
    try:
        assert _is_file(locked / "f.yaml") is None
    finally:
        locked.chmod(0o755)
