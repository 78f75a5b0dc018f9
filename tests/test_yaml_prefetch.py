"""YAML parsed by the prefetch helper gives exactly the trees, model and report of parsing it here."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import REPO, write_tree
from mcplint.api import lint
from mcplint.config import Config
from mcplint.engine.registry import default_registry
from mcplint.engine.runner import EngineSettings
from mcplint.loaders import yaml_prefetch
from mcplint.loaders.textmap import PlainText
from mcplint.loaders.yaml_loader import load_yaml
from mcplint.loaders.yaml_prefetch import YamlPrefetch, flatten, rebuild
from mcplint.reporters import get_reporter
from mcplint.source import source_from_text
from mcplint.tree import MappingNode, Node, ScalarNode, SequenceNode

sys.path.insert(0, str(REPO / "bench"))
from generate import generate  # noqa: E402

needs_fork = pytest.mark.skipif(not hasattr(os, "fork"), reason="the helper is a forked process")


def _shape(node: Node | None) -> object:
    """Everything a rule can see of a tree: kinds, paths, texts, values (with their types), styles, spans."""
    if node is None:
        return None
    span = node._span if type(node._span) is tuple else None  # noqa: SLF001
    head = (type(node).__name__, node.path, span[1:] if span else node.span)
    if isinstance(node, ScalarNode):
        return (*head, node.text, type(node.value).__name__, repr(node.value), node.style, node.env_refs)
    if isinstance(node, SequenceNode):
        return (*head, [_shape(item) for item in node.items])
    assert isinstance(node, MappingNode)
    return (*head, [(_shape(k), _shape(v)) for k, v in node.pairs])


def _round_trip(text: str) -> None:
    source = PlainText(source_from_text("f.yaml", text))
    root, problems = load_yaml(source)
    if root is None or problems:
        return
    flat = flatten(root)
    if flat is None:
        return
    rebuilt = rebuild(flat, source)
    assert _shape(rebuilt) == _shape(root)
    assert rebuilt.span == root.span


@pytest.mark.parametrize(
    "path", sorted(p for p in (REPO / "tests" / "fixtures").rglob("*") if p.suffix in (".yaml", ".yml")), ids=str
)
def test_every_fixture_tree_survives_the_hand_over(path: Path) -> None:
    _round_trip(path.read_text(encoding="utf-8", errors="replace"))


_YAML_BITS = st.sampled_from(
    ["a: 1\n", "b: yes\n", "c: ~\n", "d: '1.5'\n", "e: 1.5e3\n", "f: .nan\n", "g: [1, x, null]\n",
     "h: {k: v}\n", "i:\n  - j: {{env.X}}\n", "? [k]\n: v\n", "l: |\n  text\n", "m: 0x1f\n", "n: 99999999999999999999\n",
     "o: \"\\u00e9\"\n", "- item\n", "p: 2001-12-14\n", "q: !!binary aGk=\n", "r: !custom tag\n"]
)


@settings(max_examples=200, deadline=None)
@given(st.lists(_YAML_BITS, max_size=6))
def test_random_documents_survive_the_hand_over(bits: list[str]) -> None:
    from mcplint.loaders.env_refs import mark_env_refs

    _round_trip(mark_env_refs("".join(bits)))


def test_what_the_tuples_cannot_carry_stays_with_the_parser() -> None:
    deep = "a:\n" + "".join("  " * i + f"k{i}:\n" for i in range(1, yaml_prefetch.MAX_DEPTH + 5)) + "  " * 200 + "x\n"
    root, _ = load_yaml(PlainText(source_from_text("f.yaml", deep)))
    assert root is not None and flatten(root) is None
    root, _ = load_yaml(PlainText(source_from_text("f.yaml", "a: 1\n")))
    assert root is not None
    root.span  # resolved: no longer deferred offsets  # noqa: B018
    assert flatten(root) is None


def _reports(root: Path, jobs: int) -> dict[str, str]:
    registry = default_registry()
    run = lint([root], root, Config(), registry, registry.select(None), EngineSettings(), jobs=jobs)
    return {fmt: get_reporter(fmt)(run.report) for fmt in ("json", "sarif")}


@pytest.fixture()
def tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A generated project with the odd files the helper must leave alone, and a helper even for it."""
    monkeypatch.setattr(yaml_prefetch, "MIN_FILES", 1)
    root = tmp_path / "tree"
    generate(root / "generated", 40)
    write_tree(root / "generated", {
        "sqls/zz_aliases.yaml": "base: &b {url-path: /a}\nother: *b\n",
        "sqls/zz_bom.yaml": "\ufeff\ufeffurl-path: /bom\n",  # a BOM left after decoding shifts offsets
        "sqls/zz_broken.yaml": "url-path: [unclosed\n",
        "sqls/zz_empty.yaml": "",
        "sqls/zz_deep.yaml": "url-path: /deep\nx: " + "[" * 150 + "]" * 150 + "\n",  # deeper than the tuples go
        "sqls/zz_bomb.yaml": "a: &a [x, x, x, x, x, x, x, x, x]\n"
                             + "".join(f"{c}: &{c} [*{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}]\n"
                                       for p, c in zip("abcdefgh", "bcdefghi", strict=True)),
    })
    return root


@needs_fork
def test_the_report_is_the_same_with_the_helper(tree: Path) -> None:
    taken: list[str] = []
    original = YamlPrefetch.take

    def counting(self: YamlPrefetch, rel: str, source: object) -> Node | None:
        found = original(self, rel, source)  # type: ignore[arg-type]
        if found is not None:
            taken.append(rel)
        return found

    single = _reports(tree, jobs=1)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(YamlPrefetch, "take", counting)
        assert _reports(tree, jobs=2) == single
    assert len(taken) > 10  # the helper's trees were really used
    assert [rel for rel in taken if "zz_" in rel] == []


@needs_fork
def test_a_helper_that_fails_costs_time_not_findings(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    single = _reports(tree, jobs=1)

    def failing_dumps(value: object) -> bytes:
        raise ValueError("cannot write")

    monkeypatch.setattr(yaml_prefetch.marshal, "dumps", failing_dumps)
    assert _reports(tree, jobs=2) == single


@needs_fork
def test_a_file_changed_after_the_helper_read_it_is_parsed_again(tmp_path: Path) -> None:
    paths = [tmp_path / f"f{i}.yaml" for i in range(3)]
    for path in paths:
        path.write_text("a: 1\n", encoding="utf-8")

    def tree_of(path: Path) -> tuple[str, str, Node | None] | None:
        text = path.read_text(encoding="utf-8")
        root, _ = load_yaml(PlainText(source_from_text(path.name, text)))
        return path.name, text, root

    prefetch = YamlPrefetch(paths * 200, tree_of)  # enough files for a helper
    try:
        changed = PlainText(source_from_text("f2.yaml", "a: 2\n"))
        unchanged = PlainText(source_from_text("f1.yaml", "a: 1\n"))
        assert prefetch.covers(paths[2])
        assert prefetch.take("f2.yaml", changed) is None  # not the text the helper parsed
        taken = prefetch.take("f1.yaml", unchanged)
        assert taken is not None and _shape(taken) == _shape(load_yaml(unchanged)[0])
    finally:
        prefetch.close()


def test_small_trees_and_one_job_start_no_helper(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    forks: list[int] = []
    monkeypatch.setattr(yaml_prefetch.os, "fork", lambda: forks.append(1) or 0)
    prefetch = YamlPrefetch([tmp_path / "a.yaml"] * (yaml_prefetch.MIN_FILES - 1), lambda path: None)
    assert not prefetch.covers(tmp_path / "a.yaml") and forks == []
    generate(tmp_path / "p", 3)
    lint([tmp_path / "p"], tmp_path / "p", Config(), jobs=1)
    assert forks == []
