"""Discovery: which files are linted, and the guarded reads of FileAccess."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from conftest import symlink

from mcplint.diagnostics import Diagnostic, DiagnosticKind, file_span
from mcplint.discovery import Discovery, DiscoveryError, FileAccess, choose_root, discover
from mcplint.model.builder import build_model


def make_tree(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def rels(access: FileAccess, paths: list[Path]) -> list[str]:
    return [access.rel(p) for p in paths]


# --------------------------------------------------------------------- walking


def test_walk_lists_linted_suffixes_sorted(tmp_path: Path) -> None:
    make_tree(
        tmp_path,
        {
            "flapi.yaml": "template: {path: sqls}\n",
            "sqls/b.yml": "a: 1\n",
            "sqls/a.sql": "SELECT 1\n",
            "sqls/Upper.YAML": "a: 1\n",
            "x/.mcp.json": "{}\n",
            "x/settings.jsonc": "{}\n",
            "README.md": "# no\n",
            "sqls/old.yaml.inactive": "url-path: /old\n",
            "script.py": "print(1)\n",
        },
    )
    access = FileAccess(tmp_path)
    assert rels(access, access.walk(tmp_path)) == [
        "flapi.yaml",
        "sqls/Upper.YAML",
        "sqls/a.sql",
        "sqls/b.yml",
        "x/.mcp.json",
        "x/settings.jsonc",
    ]
    assert access.diagnostics == []


def test_walk_with_restricted_suffixes(tmp_path: Path) -> None:
    make_tree(tmp_path, {"a.yaml": "", "b.yml": "", "c.sql": "", "d.json": ""})
    access = FileAccess(tmp_path)
    assert rels(access, access.walk(tmp_path, (".yaml", ".yml"))) == ["a.yaml", "b.yml"]


@pytest.mark.parametrize(
    "folder", [".git", "node_modules", ".venv", "venv", "__pycache__", ".hg", ".tox", ".mcplint_cache"]
)
def test_vcs_and_dependency_folders_are_skipped(tmp_path: Path, folder: str) -> None:
    make_tree(
        tmp_path,
        {
            f"{folder}/config.yaml": "a: 1\n",
            f"sub/{folder}/deep/x.json": "{}\n",
            "sub/kept.yaml": "a: 1\n",
        },
    )
    access = FileAccess(tmp_path)
    assert rels(access, access.walk(tmp_path)) == ["sub/kept.yaml"]


def test_a_file_named_like_a_skipped_folder_is_still_linted(tmp_path: Path) -> None:
    make_tree(tmp_path, {"node_modules.yaml": "a: 1\n"})
    access = FileAccess(tmp_path)
    assert rels(access, access.walk(tmp_path)) == ["node_modules.yaml"]


def test_user_exclude_globs_prune_the_walk(tmp_path: Path) -> None:
    make_tree(
        tmp_path,
        {
            "keep/a.yaml": "",
            "gen/a.yaml": "",
            "src/gen/b.yaml": "",
            "src/c.sql": "",
            "src/d.sql": "",
            "tests/fixtures/e.yaml": "",
        },
    )
    access = FileAccess(tmp_path, exclude=("gen", "src/d.sql", "tests/**"))
    assert rels(access, access.walk(tmp_path)) == ["keep/a.yaml", "src/c.sql"]


def test_excluded_folder_is_not_even_listed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    make_tree(tmp_path, {"big/a.yaml": "", "ok.yaml": ""})
    listed: list[str] = []
    real_scandir = os.scandir

    def recording_scandir(path):  # type: ignore[no-untyped-def]
        listed.append(os.path.relpath(path, tmp_path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", recording_scandir)
    access = FileAccess(tmp_path, exclude=("big",))
    assert rels(access, access.walk(tmp_path)) == ["ok.yaml"]
    assert listed == ["."]


# -------------------------------------------------------------------- discover


def test_discover_without_paths_walks_the_root(tmp_path: Path) -> None:
    make_tree(tmp_path, {"b.yaml": "", "a/c.json": "", ".git/x.yaml": ""})
    access = FileAccess(tmp_path)
    discovery = discover([], access)
    assert isinstance(discovery, Discovery)
    assert rels(access, discovery.files) == ["a/c.json", "b.yaml"]
    assert discovery.scope == frozenset({"a/c.json", "b.yaml"})
    assert discovery.explicit_files is False
    assert discovery.root == tmp_path


def test_folder_arguments_do_not_set_explicit_files(tmp_path: Path) -> None:
    make_tree(tmp_path, {"a/x.yaml": "", "b/y.yaml": ""})
    access = FileAccess(tmp_path)
    discovery = discover([tmp_path / "a", tmp_path / "b"], access)
    assert rels(access, discovery.files) == ["a/x.yaml", "b/y.yaml"]
    assert discovery.explicit_files is False


def test_file_arguments_set_explicit_files(tmp_path: Path) -> None:
    make_tree(tmp_path, {"a/x.yaml": "", "b/y.sql": "", "b/z.yaml": ""})
    access = FileAccess(tmp_path)
    discovery = discover([tmp_path / "b/y.sql"], access)
    assert rels(access, discovery.files) == ["b/y.sql"]
    assert discovery.scope == frozenset({"b/y.sql"})
    assert discovery.explicit_files is True


def test_mixed_arguments_are_explicit_and_deduplicated(tmp_path: Path) -> None:
    make_tree(tmp_path, {"a/x.yaml": "", "a/y.yaml": "", "b/z.sql": ""})
    access = FileAccess(tmp_path)
    discovery = discover([tmp_path / "b/z.sql", tmp_path / "a", tmp_path / "a/x.yaml", tmp_path], access)
    assert rels(access, discovery.files) == ["a/x.yaml", "a/y.yaml", "b/z.sql"]
    assert discovery.explicit_files is True


def test_explicit_file_of_another_type_is_not_linted(tmp_path: Path) -> None:
    make_tree(tmp_path, {"README.md": "# x\n", "x.yaml.inactive": "url-path: /x\n"})
    access = FileAccess(tmp_path)
    discovery = discover([tmp_path / "README.md", tmp_path / "x.yaml.inactive"], access)
    assert discovery.files == []
    assert discovery.explicit_files is True


def test_exclude_applies_to_explicitly_given_files(tmp_path: Path) -> None:
    make_tree(tmp_path, {"gen/a.yaml": "", "src/b.sql": "", "src/c.sql": "", "d/e.yaml": ""})
    access = FileAccess(tmp_path, exclude=("gen", "c.sql", "d"))
    discovery = discover(
        [tmp_path / "gen/a.yaml", tmp_path / "src/b.sql", tmp_path / "src/c.sql", tmp_path / "d"], access
    )
    assert rels(access, discovery.files) == ["src/b.sql"]


def test_excluding_everything_below_the_root_still_walks_the_root(tmp_path: Path) -> None:
    make_tree(tmp_path, {"a.yaml": "", "sub/b.yaml": ""})
    access = FileAccess(tmp_path, exclude=("sub",))
    assert rels(access, discover([tmp_path], access).files) == ["a.yaml"]


def test_missing_path_raises_discovery_error(tmp_path: Path) -> None:
    make_tree(tmp_path, {"a.yaml": ""})
    access = FileAccess(tmp_path)
    with pytest.raises(DiscoveryError, match="path does not exist: .*nope.yaml"):
        discover([tmp_path / "a.yaml", tmp_path / "nope.yaml"], access)


# ---------------------------------------------------------------- size bound


def test_file_over_the_size_bound_is_skipped_and_never_opened(tmp_path: Path, opened: list[str]) -> None:
    make_tree(tmp_path, {"big.yaml": "a: " + "x" * 97 + "\n", "edge.yaml": "b: " + "y" * 96 + "\n"})
    assert (tmp_path / "big.yaml").stat().st_size == 101
    assert (tmp_path / "edge.yaml").stat().st_size == 100
    access = FileAccess(tmp_path, max_file_size=100)
    discovery = discover([tmp_path], access)
    # Discovery keeps the file in scope; the bound applies when it would be read.
    assert rels(access, discovery.files) == ["big.yaml", "edge.yaml"]
    assert access.read(tmp_path / "big.yaml") is None
    edge = access.read(tmp_path / "edge.yaml")
    assert edge is not None and edge.text.startswith("b: yyy")
    assert access.diagnostics == [
        Diagnostic(
            DiagnosticKind.SKIPPED_FILE,
            file_span("big.yaml"),
            "file skipped: 101 bytes is over the size bound of 100 bytes (set `max-file-size` to raise it)",
        )
    ]
    assert os.path.realpath(tmp_path / "big.yaml") not in opened
    assert os.path.realpath(tmp_path / "edge.yaml") in opened


def test_size_bound_through_build_model(tmp_path: Path, opened: list[str]) -> None:
    make_tree(tmp_path, {".mcp.json": '{"mcpServers": {"a": {"command": "' + "x" * 200 + '"}}}', "ok.yaml": "a: 1\n"})
    access = FileAccess(tmp_path, max_file_size=64)
    model = build_model(discover([tmp_path], access))
    assert sorted(model.sources) == ["ok.yaml"]
    assert model.client_configs == []
    assert [(d.kind, d.span.path) for d in model.diagnostics] == [(DiagnosticKind.SKIPPED_FILE, ".mcp.json")]
    assert os.path.realpath(tmp_path / ".mcp.json") not in opened


# ----------------------------------------------------------------- file access


def test_read_is_cached(tmp_path: Path, opened: list[str]) -> None:
    make_tree(tmp_path, {"a.yaml": "a: 1\n"})
    access = FileAccess(tmp_path)
    first = access.read(tmp_path / "a.yaml")
    second = access.read(str(tmp_path / "sub" / ".." / "a.yaml"))
    assert first is not None and first is second
    assert first.path == "a.yaml"
    assert first.text == "a: 1\n"
    assert opened.count(os.path.realpath(tmp_path / "a.yaml")) == 1


def test_read_outside_the_root_is_refused(tmp_path: Path, opened: list[str]) -> None:
    root = make_tree(tmp_path / "root", {"a.yaml": ""})
    make_tree(tmp_path, {"outside.yaml": "secret: 1\n"})
    access = FileAccess(root)
    assert access.read(tmp_path / "outside.yaml") is None
    assert access.diagnostics == [
        Diagnostic(
            DiagnosticKind.SKIPPED_FILE, file_span("../outside.yaml"), "skipped: the file lies outside the scanned root"
        )
    ]
    assert os.path.realpath(tmp_path / "outside.yaml") not in opened


def test_read_of_a_missing_file_gives_a_diagnostic(tmp_path: Path) -> None:
    access = FileAccess(tmp_path)
    assert access.read(tmp_path / "gone.yaml") is None
    assert [(d.kind, d.span.path) for d in access.diagnostics] == [(DiagnosticKind.SKIPPED_FILE, "gone.yaml")]
    assert access.diagnostics[0].message.startswith("file skipped: cannot be read")


def test_rel_and_containment_helpers(tmp_path: Path) -> None:
    root = make_tree(tmp_path / "root", {"a/b.yaml": ""})
    access = FileAccess(root)
    assert access.rel(root / "a" / "b.yaml") == "a/b.yaml"
    assert access.rel(root) == "."
    assert access.rel(tmp_path / "x.yaml") == "../x.yaml"
    assert access.lexically_inside_root(root / "a" / "b.yaml") is True
    assert access.lexically_inside_root(tmp_path / "rootish") is False
    assert access.inside_root(root / "a") is True
    assert access.inside_root(root) is True
    assert access.inside_root(tmp_path / "root2") is False


def test_relative_root_is_made_absolute(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    make_tree(tmp_path, {"proj/a.yaml": ""})
    monkeypatch.chdir(tmp_path)
    access = FileAccess(Path("proj"))
    assert access.root == tmp_path / "proj"
    assert rels(access, discover([Path("proj")], access).files) == ["a.yaml"]


# -------------------------------------------------------------------- symlinks


def test_symlink_to_a_file_outside_the_root_is_skipped_and_never_read(tmp_path: Path, opened: list[str]) -> None:
    root = make_tree(tmp_path / "root", {"a.yaml": "a: 1\n"})
    make_tree(tmp_path, {"outside/secret.yaml": "token: ghp_x\n"})
    symlink(tmp_path / "outside/secret.yaml", root / "leak.yaml")
    access = FileAccess(root)
    discovery = discover([root], access)
    assert rels(access, discovery.files) == ["a.yaml"]
    assert access.diagnostics == [
        Diagnostic(
            DiagnosticKind.SKIPPED_FILE, file_span("leak.yaml"), "skipped: symlink leads outside the scanned root"
        )
    ]
    model = build_model(discovery)
    assert sorted(model.sources) == ["a.yaml"]
    # (the context search around a.yaml may note the link a second time, with another message)
    assert {(d.kind, d.span.path) for d in model.diagnostics} == {(DiagnosticKind.SKIPPED_FILE, "leak.yaml")}
    assert os.path.realpath(tmp_path / "outside/secret.yaml") not in opened


def test_symlink_to_a_folder_outside_the_root_is_not_walked(tmp_path: Path, opened: list[str]) -> None:
    root = make_tree(tmp_path / "root", {"a.yaml": "a: 1\n"})
    make_tree(tmp_path, {"outside/x/secret.yaml": "token: 1\n"})
    symlink(tmp_path / "outside", root / "linked")
    access = FileAccess(root)
    model = build_model(discover([root], access))
    assert sorted(model.sources) == ["a.yaml"]
    assert [(d.kind, d.span.path, d.message) for d in model.diagnostics] == [
        (DiagnosticKind.SKIPPED_FILE, "linked", "skipped: symlink leads outside the scanned root")
    ]
    assert os.path.realpath(tmp_path / "outside/x/secret.yaml") not in opened


def test_explicit_symlink_argument_leading_outside_is_skipped(tmp_path: Path, opened: list[str]) -> None:
    root = make_tree(tmp_path / "root", {"a.yaml": "a: 1\n"})
    make_tree(tmp_path, {"outside/secret.yaml": "token: 1\n"})
    symlink(tmp_path / "outside/secret.yaml", root / "leak.yaml")
    access = FileAccess(root)
    discovery = discover([root / "leak.yaml", root / "a.yaml"], access)
    assert rels(access, discovery.files) == ["a.yaml"]
    assert discovery.explicit_files is True
    assert [(d.kind, d.span.path) for d in access.diagnostics] == [(DiagnosticKind.SKIPPED_FILE, "leak.yaml")]
    build_model(discovery)
    assert os.path.realpath(tmp_path / "outside/secret.yaml") not in opened


def test_path_through_a_symlinked_folder_outside_is_never_read(tmp_path: Path, opened: list[str]) -> None:
    root = make_tree(tmp_path / "root", {"a.yaml": "a: 1\n"})
    make_tree(tmp_path, {"outside/sub/secret.yaml": "token: 1\n"})
    symlink(tmp_path / "outside", root / "linked")
    access = FileAccess(root)
    model = build_model(discover([root / "linked" / "sub"], access))
    assert model.sources == {}
    assert [(d.kind, d.span.path, d.message) for d in model.diagnostics] == [
        (DiagnosticKind.SKIPPED_FILE, "linked/sub/secret.yaml", "skipped: the file lies outside the scanned root")
    ]
    assert os.path.realpath(tmp_path / "outside/sub/secret.yaml") not in opened


def test_symlink_loop_to_a_parent_folder_terminates(tmp_path: Path) -> None:
    make_tree(tmp_path, {"a/b/x.yaml": "", "top.yaml": ""})
    symlink(tmp_path, tmp_path / "a" / "b" / "up")  # a/b/up -> root
    symlink("..", tmp_path / "a" / "parent")  # a/parent -> root (relative)
    access = FileAccess(tmp_path)
    assert rels(access, discover([tmp_path], access).files) == ["a/b/x.yaml", "top.yaml"]
    assert access.diagnostics == []


def test_self_referencing_symlink_is_skipped_with_a_diagnostic(tmp_path: Path) -> None:
    make_tree(tmp_path, {"ok.yaml": ""})
    symlink(tmp_path / "loop.yaml", tmp_path / "loop.yaml")
    access = FileAccess(tmp_path)
    assert rels(access, access.walk(tmp_path)) == ["ok.yaml"]
    assert [(d.kind, d.span.path) for d in access.diagnostics] == [(DiagnosticKind.SKIPPED_FILE, "loop.yaml")]
    assert access.diagnostics[0].message.startswith("skipped: ")


def test_symlink_to_a_file_inside_the_root_is_linted_once_under_its_own_name(tmp_path: Path) -> None:
    make_tree(tmp_path, {"real/flapi.yaml": "a: 1\n", "other.yaml": ""})
    symlink(tmp_path / "real/flapi.yaml", tmp_path / "a_link.yaml")  # sorts before the real file
    symlink("real/flapi.yaml", tmp_path / "b_link.yaml")  # a relative link
    access = FileAccess(tmp_path)
    discovery = discover([tmp_path], access)
    assert rels(access, discovery.files) == ["other.yaml", "real/flapi.yaml"]
    model = build_model(discovery)
    assert [d.path for d in model.documents] == ["other.yaml", "real/flapi.yaml"]
    assert access.diagnostics == []


def test_symlink_inside_the_root_whose_target_is_not_walked_is_kept(tmp_path: Path) -> None:
    # The target lies in an excluded folder, so the link is the only way the walk reaches it.
    make_tree(tmp_path, {"shared/conf.yaml": "a: 1\n"})
    symlink(tmp_path / "shared/conf.yaml", tmp_path / "conf.yaml")
    access = FileAccess(tmp_path, exclude=("shared",))
    assert rels(access, access.walk(tmp_path)) == ["conf.yaml"]


def test_folder_symlink_inside_the_root_lints_files_under_their_real_names(tmp_path: Path) -> None:
    # `a_link -> real` sorts before `real`; the real files must still keep their own names
    # ("A file reachable twice (through a symlink) is linted once, under its own name").
    make_tree(tmp_path, {"real/x.yaml": "a: 1\n"})
    symlink(tmp_path / "real", tmp_path / "a_link")
    access = FileAccess(tmp_path)
    assert rels(access, access.walk(tmp_path)) == ["real/x.yaml"]


def test_symlink_into_a_skipped_folder_is_not_followed(tmp_path: Path) -> None:
    # Discovery "never descends into VCS or dependency folders", also not through a link.
    make_tree(tmp_path, {"node_modules/pkg/mcp.json": "{}\n", ".git/hooks.yaml": "a: 1\n", "ok.yaml": ""})
    symlink(tmp_path / "node_modules", tmp_path / "deps")
    symlink(tmp_path / ".git", tmp_path / "vcs")
    access = FileAccess(tmp_path)
    assert rels(access, access.walk(tmp_path)) == ["ok.yaml"]


# ----------------------------------------------------------------- choose_root


def test_choose_root_is_cwd_when_it_holds_every_path(tmp_path: Path) -> None:
    make_tree(tmp_path, {"a/b/x.yaml": "", "a/c/y.sql": ""})
    assert choose_root([tmp_path / "a/b/x.yaml"], tmp_path) == tmp_path
    assert choose_root([tmp_path / "a/b/x.yaml", tmp_path / "a/c"], tmp_path) == tmp_path
    assert choose_root([tmp_path], tmp_path) == tmp_path
    assert choose_root([], tmp_path) == tmp_path


def test_choose_root_is_the_common_folder_otherwise(tmp_path: Path) -> None:
    make_tree(tmp_path, {"a/b/x.yaml": "", "a/b/y.yaml": "", "a/c/z.sql": "", "cwd/k.yaml": ""})
    cwd = tmp_path / "cwd"
    assert choose_root([tmp_path / "a/b/x.yaml", tmp_path / "a/b/y.yaml"], cwd) == tmp_path / "a/b"
    assert choose_root([tmp_path / "a/b/x.yaml", tmp_path / "a/c/z.sql"], cwd) == tmp_path / "a"
    assert choose_root([tmp_path / "a/b/x.yaml"], cwd) == tmp_path / "a/b"  # a single file: its folder
    assert choose_root([tmp_path / "a/c"], cwd) == tmp_path / "a/c"  # a single folder: itself
    # one path inside cwd, one outside: the common folder of both
    assert choose_root([cwd / "k.yaml", tmp_path / "a/c/z.sql"], cwd) == tmp_path


def test_choose_root_does_not_confuse_a_name_prefix_with_a_parent(tmp_path: Path) -> None:
    make_tree(tmp_path, {"app/x.yaml": "", "app2/y.yaml": ""})
    assert choose_root([tmp_path / "app2/y.yaml"], tmp_path / "app") == tmp_path / "app2"


def test_a_walk_below_a_symlinked_folder_outside_vouches_for_nothing(tmp_path: Path, opened: list[str]) -> None:
    """Files a walk kept are trusted later without a second containment check, except these."""
    root = make_tree(tmp_path / "root", {"a.yaml": "a: 1\n"})
    make_tree(tmp_path, {"outside/sub/secret.yaml": "token: 1\n"})
    symlink(tmp_path / "outside", root / "linked")
    access = FileAccess(root)
    [found] = access.walk(root / "linked" / "sub")
    assert access.peek(found) is None
    assert access.peek_with_status(found) is None
    assert access.stat_inside_root(found) is None
    assert access.read(found) is None
    assert os.path.realpath(tmp_path / "outside/sub/secret.yaml") not in opened
