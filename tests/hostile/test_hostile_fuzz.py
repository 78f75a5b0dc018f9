"""Fuzzing every loader and the whole pipeline with hypothesis.

Properties, for any input the strategies can build (hostile characters
included: NUL, BOM, CR, NEL, U+2028, private-use markers, astral characters):

* loaders never raise; they return a tree and/or diagnostics;
* every span is inside its file: its offsets lie within the text, and its
  line and column are what the offsets give when lines are split at
  ``\\r\\n``, ``\\r`` and ``\\n`` (computed here independently of mcplint);
* the flAPI pre-processor's source map sends every character of the text it
  builds back to the same character of the file it came from;
* valid JSON/JSONC and valid TOML load to the same values as ``json`` and ``tomllib``;
* the whole pipeline never yields an internal error, reports positions inside
  the files, and gives byte-identical output twice in every format.

Example counts are bounded so that the module runs in well under a minute.
"""

from __future__ import annotations

import json
import math
import re
import shutil
import sys
import tempfile
from bisect import bisect_right
from collections.abc import Iterator
from pathlib import Path

from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from mcplint.loaders.env_file import load_env
from mcplint.loaders.env_refs import mark_env_refs
from mcplint.loaders.flapi_text import preprocess
from mcplint.loaders.json_loader import load_json
from mcplint.loaders.mustache import parse_mustache
from mcplint.loaders.textmap import PlainText
from mcplint.loaders.toml_loader import load_toml
from mcplint.loaders.yaml_loader import load_yaml
from mcplint.model.injection import assess
from mcplint.model.template_analysis import MAX_SCENARIOS, analyse, html_escape, render
from mcplint.reporters import FORMATS, get_reporter
from mcplint.source import SourceFile, source_from_text
from mcplint.span import Span
from mcplint.tree import MappingNode, Node, ScalarNode, SequenceNode

from _make import endpoint, position_problems, run_bounded
from conftest import REPO, run_lint, write_tree

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

FAST = settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
SLOW = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
PIPELINE = settings(max_examples=100, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

# Characters that break naive positions or parsers.
HOSTILE_CHARS = ["\x00", "\ufeff", "\r", "\r\n", "\n", "\t", "\x85", "\u2028", "\u2029", "\x0b", "\x0c", "\x1b",
                 "\ue000", "\ue001", "\u202e", "\u200b", "é", "😀", "\U0010ffff", "\\", "\ufffd"]
YAML_PIECES = HOSTILE_CHARS + [
    "a", "key", "password", ": ", ":", "- ", "? ", "[", "]", "{", "}", ", ", "&x ", "*x", "&y ", "*y", "!!str ",
    "!!python/object/apply:os.system ['true'] ", "!!binary ", "!t ", "|\n  ", ">-\n  ", "'", '"', "''", "#", " # c",
    "  ", "    ", "---\n", "...\n", "%YAML 1.1\n", "<<: *x\n", "{{env.HOME}}", "{{ env.X }}", "{{include from f.yaml}}",
    "0x1F", "1e999", "-.inf", "~", "null", "yes", "0o17", "12:30:00", "2024-01-01", "\u00a0",
]


def pieces(alphabet: list[str], max_size: int = 40) -> st.SearchStrategy[str]:
    return st.lists(st.one_of(st.sampled_from(alphabet), st.text(max_size=3)), max_size=max_size).map("".join)


# ------------------------------------------------------------ position oracle


class Lines:
    """Line starts of a text, split where editors split (not where YAML does)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.starts = [0] + [m.end() for m in re.finditer(r"\r\n|\r|\n", text)]

    def position(self, offset: int) -> tuple[int, int]:
        line = bisect_right(self.starts, offset) - 1
        # An offset between \r and \n belongs to the line the \r ends.
        return line + 1, offset - self.starts[line] + 1


def span_problem(span: Span, texts: dict[str, str]) -> str | None:
    text = texts.get(span.path)
    if text is None:
        return f"span in unknown file {span.path!r}"
    if not 0 <= span.start_offset <= span.end_offset <= len(text):
        return f"offsets {span.start_offset}..{span.end_offset} outside 0..{len(text)}"
    lines = Lines(text)
    if (span.start_line, span.start_col) != lines.position(span.start_offset):
        return f"start {span.start_line}:{span.start_col} is not offset {span.start_offset} ({lines.position(span.start_offset)})"
    if (span.end_line, span.end_col) != lines.position(span.end_offset):
        return f"end {span.end_line}:{span.end_col} is not offset {span.end_offset} ({lines.position(span.end_offset)})"
    return None


def nodes(root: Node | None) -> Iterator[Node]:
    stack = [root] if root is not None else []
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, MappingNode):
            for key, value in node.pairs:
                stack.extend((key, value))
        elif isinstance(node, SequenceNode):
            stack.extend(node.items)


def assert_tree_inside(root: Node | None, diagnostics: list, texts: dict[str, str]) -> None:  # type: ignore[type-arg]
    for node in nodes(root):
        problem = span_problem(node.span, texts)
        assert problem is None, f"{node!r}: {problem}"
    for diagnostic in diagnostics:
        problem = span_problem(diagnostic.span, texts)
        assert problem is None, f"{diagnostic}: {problem}"


def to_python(node: Node | None) -> object:
    if isinstance(node, MappingNode):
        return {key.text: to_python(value) for key, value in node.pairs if isinstance(key, ScalarNode)}
    if isinstance(node, SequenceNode):
        return [to_python(item) for item in node.items]
    return node.value if isinstance(node, ScalarNode) else None


def nan_as_marker(value: object) -> object:
    """``value`` with every float NaN replaced by a marker, so that equal documents compare equal."""
    if isinstance(value, float) and math.isnan(value):
        return "<NaN>"
    if isinstance(value, dict):
        return {k: nan_as_marker(v) for k, v in value.items()}
    if isinstance(value, list):
        return [nan_as_marker(v) for v in value]
    return value


def source(path: str, text: str) -> SourceFile:
    return source_from_text(path, text)


# ------------------------------------------------------------------------ YAML


@FAST
@given(pieces(YAML_PIECES))
@example("a: &a [*a]\n")
@example("[" * 1200)
@example("\ufeffa: 1\r\nb: [x,\r\n  y]\r")
@example("a: !!python/object/apply:os.system ['touch /tmp/mcplint-pwned']\n")
def test_yaml_loader_never_raises_and_keeps_positions_inside(text: str) -> None:
    src = source("f.yaml", text)
    root, diagnostics = load_yaml(src)
    assert_tree_inside(root, diagnostics, {"f.yaml": src.text})
    for node in nodes(root):  # no tag ever builds an object
        if isinstance(node, ScalarNode):
            assert node.value is None or isinstance(node.value, (str, int, float, bool)), repr(node.value)


# ------------------------------------------------------------ flAPI pre-processing

DIRECTIVES = [
    "{{include from frag.yaml}}", "{{include:sec from frag.yaml}}", "{{include:nope from frag.yaml}}",
    "{{include from missing.yaml}}", "{{include from frag.yaml if false}}", "{{include from frag.yaml if env.X}}",
    "{{include from {{env.DIR}}/frag.yaml}}", "# {{include from frag.yaml}}", "{{include from ../../etc/passwd}}",
    "{{include:sec from frag.yaml}}{{include:sec from frag.yaml}}", "{{env.A}}", "{{include", "}}",
]


class _Fragment:
    def __init__(self, text: str) -> None:
        self.source = source("frag.yaml", text)
        self.marked_text = mark_env_refs(self.source.text)
        self.root, self.parse_diagnostics = load_yaml(PlainText(self.source, self.marked_text))


@SLOW
@given(pieces(YAML_PIECES + DIRECTIVES * 3), pieces(YAML_PIECES + ["sec: ", "sec:\n  x: 1\n"], max_size=20))
@example("auth:\n  {{include:sec from frag.yaml}}\nb: {{env.B}}\n", "sec:\n  user: x\nother: 1\n")
def test_flapi_preprocessing_maps_every_character_back_to_its_file(text: str, fragment_text: str) -> None:
    src = source("f.yaml", text)
    fragment = _Fragment(fragment_text)

    def resolve(including: SourceFile, target: str):  # type: ignore[no-untyped-def]
        assert including is src
        return fragment if target == "frag.yaml" else f"include target `{target}` not found"

    result = preprocess(src, resolve)
    mapped = result.mapped
    marked = {"f.yaml": mark_env_refs(src.text), "frag.yaml": fragment.marked_text}
    texts = {"f.yaml": src.text, "frag.yaml": fragment.source.text}
    for offset, char in enumerate(mapped.text):
        origin, at = mapped.source_at(offset)
        assert marked[origin.path][at] == char, (offset, origin.path, at)
        assert span_problem(mapped.span(offset, offset + 1), texts) is None
    for diagnostic in result.diagnostics:
        assert span_problem(diagnostic.span, texts) is None
    for include in result.includes:
        assert span_problem(include.span, texts) is None
        assert include.span.path == "f.yaml"
    root, diagnostics = load_yaml(mapped)
    assert_tree_inside(root, diagnostics, texts)


# ------------------------------------------------------------------- Mustache

MUSTACHE_PIECES = HOSTILE_CHARS + [
    "{{", "}}", "{{{", "}}}", "{{ params.a }}", "{{{ params.a }}}", "{{& params.a }}", "{{#params.a}}", "{{/params.a}}",
    "{{^params.b}}", "{{/params.b}}", "{{#a}}", "{{/a}}", "{{! comment }}", "{{> partial }}", "{{=<% %>=}}",
    "<%", "%>", "<% params.a %>", "<%={{ }}=%>", "{{=", "=}}", "{{#if x}}", "{{/if}}", "{{ }}", "{{#}}", "{{/}}",
    "SELECT ", "x = '", "'", "--", "/*", "*/", ";",
]


@FAST
@given(pieces(MUSTACHE_PIECES, max_size=60))
@example("{{#a}}" * 300 + "{{ x }}" + "{{/a}}" * 300)
def test_mustache_tokenizer_never_raises_and_keeps_offsets_inside(text: str) -> None:
    template = parse_mustache(text)
    for tag in template.tags:
        assert 0 <= tag.start <= tag.name_start <= tag.name_end <= tag.end <= len(text), tag
        assert text[tag.name_start : tag.name_end] == tag.name
    for error in template.errors:
        assert 0 <= error.start <= error.end <= len(text), error
    for interpolation in template.interpolations():
        assert all(section.open.start < interpolation.tag.start for section in interpolation.sections)
    template.sections()
    rendered = render(template, lambda name: True, lambda interpolation: "X")
    for placed in rendered.placed:
        assert rendered.text[placed.start : placed.end] == "X"


# ------------------------------------------------------------------- JSON/JSONC

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4),
    max_leaves=25,
)


@FAST
@given(json_values, st.sampled_from([None, 0, 2, "\t"]), st.booleans(), st.booleans())
def test_valid_json_and_jsonc_load_to_the_values_json_reads(value: object, indent, ascii_only: bool, comments: bool) -> None:  # type: ignore[no-untyped-def]
    text = json.dumps(value, indent=indent, ensure_ascii=ascii_only)
    if comments and indent is not None:  # newlines only ever fall between tokens
        text = "// header\n" + text.replace("\n", " /* c */\n// line\n")
    src = source("c.jsonc", text)
    root, diagnostics = load_json(src)
    assert diagnostics == []
    assert to_python(root) == value
    assert_tree_inside(root, diagnostics, {"c.jsonc": src.text})


JSON_PIECES = HOSTILE_CHARS + ['{', '}', '[', ']', ':', ',', '"a"', '"', '\\"', '\\u00', '\\ud800', '1', '-0', '1e999',
                               '0.5e-3', 'true', 'null', '//', '/*', '*/', ' ', '"mcpServers"', '"command"']


@FAST
@given(pieces(JSON_PIECES, max_size=50))
@example("[" * 500)
@example('{"a": "\\ud800"}')
def test_json_loader_never_raises_and_keeps_positions_inside(text: str) -> None:
    src = source("c.json", text)
    root, diagnostics = load_json(src)
    assert_tree_inside(root, diagnostics, {"c.json": src.text})


# ------------------------------------------------------------------------ TOML

TOML_PIECES = HOSTILE_CHARS + [
    "a", "b.c", '"q"', "'l'", " = ", "=", "[", "]", "[[", "]]", "{", "}", ", ", "1", "1_000", "0x1f", "1e3", "inf",
    "nan", "true", "1979-05-27T07:32:00Z", "07:32:00", '"""', "'''", "\\u0041", "# c", "[t]\n", "[[arr]]\n",
    "a.b.c = 1\n", "x = { y = 1 }\n", "k = [1, [2]]\n",
]


@FAST
@given(pieces(TOML_PIECES, max_size=40))
@example("a = " + "[" * 600 + "]" * 600)
@example('a = {b = {c = 1}}\n[t]\nx.y = "z"\n[[arr]]\nq = 1\n[[arr]]\nq = 2\n')
@example("1 = nan\n")  # NaN is not equal to itself: compared as a marker
def test_toml_loader_never_raises_keeps_positions_and_agrees_with_tomllib(text: str) -> None:
    src = source("c.toml", text)
    root, diagnostics = load_toml(src)
    assert_tree_inside(root, diagnostics, {"c.toml": src.text})
    if root is not None:
        assert nan_as_marker(to_python(root)) == nan_as_marker(tomllib.loads(src.text))


# ------------------------------------------------------------------------- .env

ENV_PIECES = HOSTILE_CHARS + ["A", "KEY_1", "=", " = ", "export ", "'", '"', "\\n", "\\\"", " #", "#", "$", "`",
                              "\n", "a.b-c", "TOKEN=ghp_", "=value"]


@FAST
@given(pieces(ENV_PIECES, max_size=50), st.booleans())
def test_env_loader_never_raises_and_points_at_keys_and_values(text: str, lenient: bool) -> None:
    src = source(".env", text)
    root, diagnostics = load_env(src, lenient=lenient)
    assert_tree_inside(root, diagnostics, {".env": src.text})
    assert isinstance(root, MappingNode)
    for key, value in root.pairs:
        assert src.text[key.span.start_offset : key.span.end_offset] == key.text
        raw = src.text[value.span.start_offset : value.span.end_offset]
        if isinstance(value, ScalarNode) and value.style is None:
            assert raw == value.text


# ------------------------------------------------------- SQL template analysis

SQL_PIECES = [
    "SELECT ", "* ", "id ", "FROM t ", "WHERE ", "x = ", "'", "''", "{{ params.a }}", "{{{ params.a }}}",
    "{{& params.b }}", "{{#params.a}}", "{{/params.a}}", "{{^params.b}}", "{{/params.b}}", "AND ", "OR ", "(", ")",
    ", ", "ORDER BY ", "LIMIT ", "OFFSET ", "IN (", "query('", "--", "/*", "*/", "\n", "\r\n", "\r", ";", "$$", "E'",
    "\\", '"', "{{! c }}", "{{=<% %>=}}", "<% params.a %>", "ASC ", "DESC ", "UPDATE t SET x = ", "DELETE FROM t ",
    "UNION SELECT ", "1 ", "CASE WHEN ", " THEN ", " END ", "\x00", "é",
]


@SLOW
@given(pieces(SQL_PIECES, max_size=30))
@example("SELECT * FROM t WHERE a = '{{{ params.a }}}' ORDER BY {{ params.b }} LIMIT {{ params.c }}")
def test_template_analysis_never_raises(text: str) -> None:
    template = parse_mustache(text)
    analysis = analyse(template)
    starts = {interpolation.tag.start for interpolation in template.interpolations()}
    assert set(analysis.contexts) <= starts
    assert analysis.scenarios_tried <= MAX_SCENARIOS


FORMS = ["{{ params.a }}", "{{{ params.a }}}", "{{& params.a }}", "'{{{ params.a }}}'", "'%{{ params.a }}%'",
         "{{ params.b }}", "query('SELECT {{{ params.a }}}')"]


@st.composite
def structured_sql(draw) -> str:  # type: ignore[no-untyped-def]
    """Templates shaped like real ones, with hostile pieces spliced in."""
    form = draw(st.sampled_from(FORMS))
    where = draw(st.sampled_from(["x = {F}", "x LIKE {F}", "x IN ({F})", "{F}", "1 = 1 {{{{#params.a}}}}AND y = {F}{{{{/params.a}}}}"]))
    tail = draw(st.sampled_from(["", " ORDER BY {F}", " LIMIT {F}", "; DELETE FROM t", " -- {F}"]))
    noise = draw(pieces(SQL_PIECES + HOSTILE_CHARS, max_size=4))
    return ("SELECT id FROM t WHERE " + where + tail + noise).replace("{F}", form)


VALIDATORS = ["", "    validators:\n      - type: int\n", "    validators:\n      - type: string\n        regex: '^[a-z]+$'\n",
              "    validators:\n      - type: enum\n        allowedValues: [a, \"b'\"]\n", "    required: true\n"]


@SLOW
@given(st.one_of(pieces(SQL_PIECES, max_size=25), structured_sql()), st.sampled_from(VALIDATORS))
def test_injection_assessment_through_a_tiny_project_never_raises(sql: str, validators: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = write_tree(Path(folder), {"flapi.yaml": "template:\n  path: ./sqls\n",
                                         "sqls/t.yaml": endpoint() + validators, "sqls/t.sql": sql})
        run = run_lint(root, select=["sql-injection", "mandatory-filter", "internal-error"])
        assert [r.message for r in run.report.results if r.rule.id == "CFG900"] == []
        loaded = [e for e in run.model.endpoints() if e.template is not None]
        if not loaded:  # a template with NUL bytes is skipped as binary, and that is reported
            assert "\x00" in sql and any(d.span.path == "sqls/t.sql" for d in run.model.diagnostics)
            return
        (found,) = loaded
        text = found.template.source.text
        for assessment in assess(found):
            assert 0 <= assessment.tag.start < assessment.tag.end <= len(text)
            if assessment.proof is not None:  # the proof's SQL holds the payload as rendered
                payload = assessment.proof.payload
                assert payload in assessment.proof.attacked_sql or html_escape(payload) in assessment.proof.attacked_sql


# -------------------------------------------------------------- whole pipeline


@st.composite
def trees(draw) -> dict[str, str | bytes]:  # type: ignore[no-untyped-def]
    newline = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    main = "template:\n  path: ./sqls\n" + draw(st.sampled_from([
        "", "cors:\n  allow-origins: ['*']\n", "auth:\n  enabled: true\n  type: basic\n  users:\n    - username: u\n      password: hunter2-pw\n",
        "mcp:\n  auth:\n    enabled: yes\n", "connections:\n  db:\n    init: \"ATTACH 'postgres://u:pw@h/db'\"\n",
    ])) + draw(st.one_of(st.just(""), pieces(YAML_PIECES, max_size=10)))
    extra = draw(st.one_of(st.just(""), st.just("{{include from frag.yaml}}\n"), pieces(YAML_PIECES + DIRECTIVES, max_size=15)))
    files: dict[str, str | bytes] = {
        "flapi.yaml": main.replace("\n", newline),
        "sqls/t.yaml": (endpoint() + draw(st.sampled_from(VALIDATORS)) + extra).replace("\n", newline),
        "sqls/t.sql": draw(st.one_of(pieces(SQL_PIECES, max_size=25), structured_sql())),
        "sqls/frag.yaml": draw(pieces(YAML_PIECES, max_size=10)),
    }
    if draw(st.booleans()):
        files[".mcp.json"] = draw(st.one_of(
            pieces(JSON_PIECES, max_size=30),
            json_values.map(lambda v: json.dumps({"mcpServers": {"s": {"command": "npx", "args": ["-y", "x"], "env": {"K": v}}}})),
        ))
    if draw(st.booleans()):
        files[".env"] = draw(pieces(ENV_PIECES, max_size=20))
    if draw(st.booleans()):
        files["conf.toml"] = draw(pieces(TOML_PIECES, max_size=20))
    if draw(st.booleans()):  # raw bytes: broken UTF-8, BOMs, NUL
        files["raw.yaml"] = draw(st.binary(max_size=40)) + b"\na: 1\n"
    return files


def all_formats(root: Path) -> dict[str, str]:
    run = run_lint(root)
    internal = [(r.span.path, r.message) for r in run.report.results if r.rule.id == "CFG900"]
    assert not internal, internal
    return {fmt: get_reporter(fmt)(run.report, **({"colour": False} if fmt == "text" else {})) for fmt in FORMATS}


@PIPELINE
@given(trees())
def test_pipeline_never_fails_positions_inside_and_output_is_deterministic(files: dict[str, str | bytes]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = write_tree(Path(folder), {})
        for rel, content in files.items():  # keep line endings as generated
            path = root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8", "surrogatepass"))
        first = all_formats(root)
        report = json.loads(first["json"])
        for rule in sorted({f["rule_id"][:3] for f in report["findings"]}):
            event(f"reported {rule}")
        problems = position_problems(root, report["findings"])
        assert not problems, problems
        for finding in report["findings"]:
            assert "hunter2-pw" not in finding["message"]
        second = all_formats(root)
        for fmt in FORMATS:
            assert first[fmt] == second[fmt], f"{fmt} output differs between two runs"
        assert "hunter2-pw" not in "".join(first.values())


def test_output_is_byte_identical_across_processes_hash_seeds_and_jobs(tmp_path: Path) -> None:
    """Set order, dict order and worker scheduling must not leak into any format."""
    root = tmp_path / "tree"
    shutil.copytree(REPO / "examples", root / "examples")
    files: dict[str, str | bytes] = {
        "more/flapi.yaml": "template:\n  path: ./sqls\ncors:\n  allow-origins: ['*', 'http://a']\n",
        "more/crlf.yaml": "a: 1\r\nb: [\r\n",
        "more/u16.json": b"\xff\xfe" + '{"mcpServers": {"s": {"url": "http://x"}}}'.encode("utf-16-le"),
        "more/bad.yaml": b"k: caf\xe9\n",
        ".env": f"GITHUB_TOKEN={'ghp_' + 'a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8'}\n",
    }
    for i in range(100):  # enough files for two forked workers
        files[f"more/sqls/e{i:03d}.yaml"] = endpoint(f"e{i:03d}.sql", url=f"/e{i}/")
        files[f"more/sqls/e{i:03d}.sql"] = f"SELECT * FROM t{i} WHERE x = '{{{{{{ params.a }}}}}}' ORDER BY {{{{ params.a }}}}\n"
    write_tree(root, files)
    for fmt in FORMATS:
        outputs = {}
        for seed, jobs in (("0", "1"), ("random", "2")):
            outcome = run_bounded(f"determinism-{fmt}-seed-{seed}-jobs-{jobs}", root, ["--no-cache", "--jobs", jobs],
                                  budget=10, fmt=fmt, env={"PYTHONHASHSEED": seed})
            assert outcome.returncode == 1, outcome.describe()
            outputs[(seed, jobs)] = outcome.stdout
        assert len(set(outputs.values())) == 1, f"{fmt}: output differs between {sorted(outputs)}"
