"""The ``mcplint`` command line.

``mcplint [PATHS]`` lints (it is short for ``mcplint check``); ``mcplint rules``
lists the rules; ``mcplint explain RULE`` prints one rule's help. Exit codes:
0 nothing at or above ``--fail-on``, 1 findings, 2 usage, configuration or
internal error. Heavy modules are imported inside the commands so that
``mcplint --version`` stays instant.
"""

from __future__ import annotations

import dataclasses
import gc
import os
import re
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import click

from mcplint import __version__

FORMATS = ("text", "json", "sarif", "github")
LEVELS = ("error", "warning", "note")
_LEVEL_RANK = {"error": 3, "warning": 2, "note": 1}


class _DefaultToCheck(click.Group):
    """Route ``mcplint PATHS…`` to ``mcplint check PATHS…``."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if not args or (args[0] not in self.commands and args[0] not in ("--help", "-h", "--version")):
            args = ["check", *args]
        return super().parse_args(ctx, args)


def _fail(message: str) -> None:
    click.echo(f"mcplint: error: {message}", err=True)
    sys.exit(2)


def _path_hint(paths: tuple[Path, ...]) -> str:
    """What a user who typed a missing path probably meant: a subcommand, or standard input."""
    import difflib

    for path in paths:
        if os.path.lexists(path):
            continue
        if str(path) == "-":
            return (
                " (mcplint does not read standard input: it judges a file with the project around it, an "
                "endpoint YAML with its SQL template and main config; pass the file's path instead)"
            )
        close = difflib.get_close_matches(str(path), ["rules", "explain", "check"], n=1, cutoff=0.6)
        if close:
            rule_ids = [str(p) for p in paths if re.fullmatch(r"[A-Za-z]+[0-9]{3}", str(p))]
            usage = {
                "rules": f"mcplint explain {rule_ids[0]}" if rule_ids else "mcplint rules",
                "explain": f"mcplint explain {rule_ids[0] if rule_ids else 'RULE'}",
                "check": "mcplint check PATHS",
            }
            return f" (to run a command, did you mean `{usage[close[0]]}`?)"
    return ""


def _split(values: tuple[str, ...]) -> list[str]:
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


@click.group(cls=_DefaultToCheck, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="mcplint", message="%(prog)s %(version)s")
def cli() -> None:
    """Static security linter for MCP server projects (flAPI, MCP client configs, Fluxbase, pgEdge).

    Run `mcplint [PATHS]` (same as `mcplint check [PATHS]`) to lint; the default path is `.`.
    """


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--format", "output_format", type=click.Choice(FORMATS), default="text", show_default=True)
@click.option("--output", "-o", type=click.Path(path_type=Path, dir_okay=False), help="Write the report to a file.")
@click.option("--select", multiple=True, help="Rules to run: ids, id prefixes, names or categories (comma-separated).")
@click.option("--extend-select", multiple=True, help="Rules to add to the selection.")
@click.option("--ignore", multiple=True, help="Rules to leave out (comma-separated).")
@click.option("--exclude", multiple=True, help="Glob of paths to skip (repeatable).")
@click.option(
    "--fail-on", type=click.Choice(LEVELS), default=None, help="Lowest level that fails the run [default: warning]."
)
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when findings are reported.")
@click.option(
    "--config", "config_path", type=click.Path(path_type=Path, dir_okay=False), help="Configuration file to use."
)
@click.option("--color/--no-color", "color", default=None, help="Colour text output [default: on a terminal].")
@click.option("--sarif-category", default="mcplint", show_default=True, help="SARIF automationDetails category.")
@click.option(
    "--jobs",
    "-j",
    type=click.IntRange(min=0),
    default=0,
    help="Worker processes for the checks of large trees; 0 = one per available core "
    "[default: 0]. Output is the same for any value.",
)
@click.option(
    "--no-cache",
    is_flag=True,
    help="Do not read or write .mcplint_cache/ (findings of unchanged files, and the index that speeds up "
    "runs on a few files). The report is the same either way.",
)
@click.option(
    "--baseline",
    "baseline_path",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Report only findings not recorded in this baseline file (see --write-baseline).",
)
@click.option(
    "--write-baseline",
    "write_baseline_path",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Record every current finding in this file and exit 0 (accept them; later runs use --baseline). "
    "Findings in files git ignores are left out unless --baseline-ignored-files is given.",
)
@click.option(
    "--baseline-ignored-files",
    is_flag=True,
    help="With --write-baseline: also record findings in files git ignores (a local .env, build output).",
)
@click.option(
    "--diff",
    "diff_ref",
    metavar="REF",
    help="Report only what the change since the git REF is answerable for: findings that the tree at REF does "
    "not have (wherever they point), and findings on changed lines.",
)
@click.option("--statistics", is_flag=True, help="Print the number of findings per rule instead of the findings.")
@click.option(
    "--flapi-version",
    metavar="VERSION",
    default=None,
    help="flAPI release the project runs on: 26.6 or 26.10 (26.10.2 counts as 26.10) [default: 26.10, or "
    "`flapi-version` in the configuration].",
)
@click.option(
    "--isolated",
    is_flag=True,
    help="Ignore every configuration file (.mcplint.toml, [tool.mcplint]) in and above the scanned tree: "
    "defaults and command-line options only. For CI on pull requests, whose tree may configure its own scan.",
)
@click.option(
    "--show-settings",
    "show_settings",
    type=click.Path(path_type=Path),
    metavar="FILE",
    help="Print which configuration judges FILE and its effective settings, then exit.",
)
def check(
    paths: tuple[Path, ...],
    output_format: str,
    output: Path | None,
    select: tuple[str, ...],
    extend_select: tuple[str, ...],
    ignore: tuple[str, ...],
    exclude: tuple[str, ...],
    fail_on: str | None,
    exit_zero: bool,
    config_path: Path | None,
    color: bool | None,
    sarif_category: str,
    jobs: int,
    no_cache: bool,
    baseline_path: Path | None,
    write_baseline_path: Path | None,
    diff_ref: str | None,
    statistics: bool,
    flapi_version: str | None,
    isolated: bool,
    show_settings: Path | None,
    baseline_ignored_files: bool,
) -> None:
    """Lint PATHS (files or folders; default: the current folder)."""
    # A run builds one large, long-lived model: the cyclic collector would only
    # rescan it (seconds on big trees), and main() exits without tearing it down.
    # Paused before the imports below: they create tens of thousands of objects
    # (the rule pack, the model's classes) that the collector would scan several
    # times over for nothing (about 15 ms of a one-file run).
    gc.disable()
    from mcplint.api import lint, resolve_settings
    from mcplint.config import Config, ConfigError, load_config, parse_flapi_version
    from mcplint.discovery import DiscoveryError
    from mcplint.engine.registry import SelectorError
    from mcplint.policies import PolicyError
    from mcplint.reporters import get_writer

    cwd = Path.cwd()
    if isolated and config_path is not None:
        _fail("--isolated ignores configuration files; it cannot be combined with --config")
    try:
        config = Config() if isolated else load_config(config_path, cwd)
    except ConfigError as exc:
        _fail(str(exc))
    if flapi_version is not None:
        try:
            config.flapi_version = parse_flapi_version(flapi_version)
        except ValueError as exc:
            _fail(f"--flapi-version: {exc}")
    if statistics and output_format not in ("text", "json"):
        _fail("--statistics works with --format text or json")
    baseline = _read_baseline(baseline_path) if baseline_path is not None else None
    registry = _registry(config, cwd, isolated)
    try:
        rules, settings = resolve_settings(
            config, registry, _split(select), _split(ignore), _split(extend_select)
        )
    except SelectorError as exc:
        _fail(str(exc))
    from mcplint.engine.checks import available_cores
    from mcplint.progress import NO_PROGRESS, Progress

    # For people watching a terminal only: never in machine formats or when stderr is captured.
    progress = Progress(sys.stderr) if output_format == "text" and _is_terminal(sys.stderr) else NO_PROGRESS
    try:
        workers = jobs or available_cores()
        if show_settings is not None:
            _print_settings(show_settings, cwd, config, registry, rules, settings, isolated or config_path is not None)
            sys.exit(0)
        outcome = lint(
            list(paths), cwd, config, registry, rules, settings, exclude, workers, progress, use_cache=not no_cache,
            isolated=isolated or config_path is not None, save_cache=False, keep_model=False,
        )
    except DiscoveryError as exc:
        _fail(str(exc) + _path_hint(paths))
    except ConfigError as exc:
        _fail(str(exc))
    except PolicyError as exc:  # a policy a nested configuration names
        _fail(f"policy: {exc}")
    finally:
        progress.done()
    report, model = outcome.report, outcome.model
    internal_errors = report.internal_errors

    if write_baseline_path is not None:
        from mcplint.baseline import render_baseline

        left_out = 0
        if not baseline_ignored_files:
            from mcplint.git_diff import ignored_files

            ignored = ignored_files(report.root, sorted({r.span.path for r in report.results}))
            kept = [r for r in report.results if r.span.path not in ignored]
            left_out = len(report.results) - len(kept)
            report = dataclasses.replace(report, results=kept)
        _write_output(write_baseline_path, render_baseline(report), model, "baseline")
        outcome.save_cache()
        count = len(report.results) - internal_errors
        click.echo(f"mcplint: wrote {count} finding{'s' if count != 1 else ''} to {write_baseline_path}", err=True)
        if left_out:
            click.echo(
                f"mcplint: left out {left_out} finding{'s' if left_out != 1 else ''} in files git ignores "
                "(--baseline-ignored-files records them)",
                err=True,
            )
        sys.exit(2 if internal_errors else 0)
    if baseline is not None:
        from mcplint.baseline import apply_baseline

        report, _ = apply_baseline(report, baseline)
    if diff_ref is not None:

        def lint_at_ref(at_ref: Any) -> Any:
            """The same run on the tree as it was at the ref."""
            given = [p if p.is_absolute() else cwd / p for p in paths] or [cwd]
            then = [at_ref(p) for p in given]
            existing = [p for p in then if os.path.lexists(p)]
            if not existing:  # every path is new since the ref: nothing was there to find
                return dataclasses.replace(report, results=[], sources={})
            return lint(existing, at_ref(cwd), config, registry, rules, settings, exclude, workers,
                        keep_model=False).report

        report = _only_new_or_changed(report, diff_ref, lint_at_ref)

    from mcplint.settings_note import settings_note

    # Every format says where the settings came from and what they switched off (issue 24).
    nested = outcome.settings.folders if outcome.settings is not None else ()
    options: dict[str, Any] = {"settings": settings_note(config, cwd, nested)}
    if output_format == "text":
        options["colour"] = _want_colour(color, output)
    if output_format == "sarif":
        options["category"] = sarif_category
    if statistics:
        from mcplint.reporters.statistics import render as render_statistics

        pieces: Iterable[str] = [render_statistics(report, output_format)]
    else:
        pieces = get_writer(output_format)(report, **options)  # written as they are made
    if output is not None:
        _write_output(output, pieces, model)
    else:
        from mcplint.reporters.json_stream import blocks

        for block in blocks(pieces):
            click.echo(block, nl=False)
    outcome.save_cache()  # only now: a run that could not deliver its report leaves the tree as it was

    threshold = _LEVEL_RANK[fail_on or config.fail_on]
    if internal_errors:
        sys.exit(2)
    failing = any(_LEVEL_RANK[r.level.value] >= threshold for r in report.results)
    sys.exit(1 if failing and not exit_zero else 0)


def _print_settings(file: Path, cwd: Path, config: Any, registry: Any, rules: Any, settings: Any,
                    isolated: bool) -> None:
    """``--show-settings FILE``: the configuration that judges FILE (the nearest one, as in a run) and its values."""
    from mcplint.api import with_nested_configs
    from mcplint.discovery import choose_root
    from mcplint.reporters.safe_text import printable
    from mcplint.settings_tree import settings_for

    path = file if file.is_absolute() else cwd / file
    root = choose_root([path], cwd)
    rel = Path(os.path.relpath(os.path.abspath(path), root)).as_posix()
    if not isolated:
        registry, rules, settings = with_nested_configs(config, registry, rules, settings, root, [rel])
    nested = settings_for(rel, settings.folders)
    source = nested.source if nested is not None else config.path
    judge = nested.config if nested is not None else config
    selected = sorted(nested.selected) if nested is not None else sorted(rule.id for rule in rules)
    levels = nested.levels if nested is not None else settings.levels
    lines = [
        f"file: {printable(str(file))}",
        f"configuration: {printable(str(source)) if source else '(none: defaults)'}"
        + (" (nested configurations not read: --isolated or --config)" if isolated else ""),
        f"select: {', '.join(judge.select) if judge.select else '(default)'}",
        f"extend-select: {', '.join(judge.extend_select) or '-'}",
        f"ignore: {', '.join(judge.ignore) or '-'}",
        f"exclude: {', '.join(judge.exclude) or '-'}",
        f"per-file-ignores: {', '.join(f'{g} = {sorted(v)}' for g, v in judge.per_file_ignores.items()) or '-'}",
        f"levels: {', '.join(f'{k} = {v.value}' for k, v in sorted(levels.items())) or '-'}",
        f"fail-on: {config.fail_on}",
        f"flapi-version: {config.flapi_version}",
        f"max-file-size: {config.max_file_size}",
        f"rules selected: {len(selected)} of {len(registry.rules)}",
    ]
    click.echo("\n".join(lines))


def _is_terminal(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


def _want_colour(flag: bool | None, output: Path | None) -> bool:
    if flag is not None:
        return flag
    if output is not None or os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return sys.stdout.isatty()


def _read_baseline(path: Path) -> Any:
    from mcplint.baseline import BaselineError, parse_baseline, read_baseline_text

    try:
        text = read_baseline_text(path)  # stat first: a link to /dev/zero or a FIFO is refused unread
    except BaselineError as exc:
        _fail(str(exc))
    except FileNotFoundError:
        _fail(f"baseline file not found: {path} (create it with --write-baseline {path})")
    except (OSError, UnicodeDecodeError) as exc:
        _fail(f"cannot read baseline {path}: {exc}")
    try:
        return parse_baseline(text, str(path))
    except BaselineError as exc:
        _fail(str(exc))


def _only_new_or_changed(report: Any, ref: str, lint_at_ref: Any) -> Any:
    from mcplint.git_diff import GitDiffError, new_or_changed

    try:
        return new_or_changed(report, ref, lint_at_ref)
    except GitDiffError as exc:
        _fail(str(exc))


def _write_output(output: Path, text: str | Iterable[str], model: Any, what: str = "report") -> None:
    """Write a report or baseline file without ever touching a scanned file.

    The scanned tree may be an attacker's: a symlink (the file itself, or a
    folder on the way inside the tree) could point the write at a scanned file
    or anywhere else. So: no symlinks, no folders, nothing that resolves to a
    file in scope; the text goes to a fresh temporary file (``O_EXCL``) that is
    then renamed over the target, which replaces a hard link or a FIFO rather
    than writing into what it points at.
    """
    import tempfile

    target = os.path.abspath(output)
    if os.path.islink(target):
        _fail(f"refusing to write the {what} through a symlink: {output}")
    if os.path.isdir(target):
        _fail(f"cannot write the {what} to {output}: it is a folder")
    root = os.path.abspath(model.root)
    folder = os.path.dirname(target)
    while folder.startswith(root + os.sep) or folder == root:
        if os.path.islink(folder):
            _fail(f"refusing to write the {what} through a symlinked folder inside the scanned tree: {output}")
        if folder == root:
            break
        folder = os.path.dirname(folder)
    real = os.path.realpath(target)
    scanned = {os.path.realpath(os.path.join(root, rel)) for rel in model.scope}
    scanned |= {os.path.realpath(s.abs_name) for s in model.sources.values()}
    if real in scanned:
        _fail(f"refusing to overwrite a scanned file with the {what}: {output}")
    try:
        os.makedirs(os.path.dirname(target), exist_ok=True)
        # A fresh temporary name (O_EXCL: never an existing file or symlink), then an atomic rename.
        handle, temporary = tempfile.mkstemp(
            dir=os.path.dirname(target), prefix=f".{os.path.basename(target)}.", suffix=".mcplint-tmp"
        )
        try:
            with os.fdopen(handle, "w", encoding="utf-8", newline="") as out:
                for piece in [text] if isinstance(text, str) else text:
                    out.write(piece)
            os.chmod(temporary, 0o644 & ~_umask())
            os.replace(temporary, target)
        except BaseException:
            os.unlink(temporary)
            raise
    except OSError as exc:
        _fail(f"cannot write {output}: {exc.strerror or exc}")


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@cli.command(name="rules")
@click.option("--format", "output_format", type=click.Choice(("table", "json")), default="table", show_default=True)
@click.option("--category", default=None, help="Only rules of this category.")
def list_rules(output_format: str, category: str | None) -> None:
    """List every rule with its metadata."""
    import json

    from mcplint.engine.rule import CATEGORIES

    if category is not None and category not in CATEGORIES:
        _fail(f"unknown category {category!r}; categories: {', '.join(CATEGORIES)}")
    rules = [r for r in _registry(None, Path.cwd()).rules if category is None or r.category == category]
    if output_format == "json":
        click.echo(json.dumps([r.metadata() for r in rules], indent=2, ensure_ascii=False))
        return
    rows = [("ID", "NAME", "CATEGORY", "LEVEL", "SEVERITY", "PRECISION")]
    rows += [(r.id, r.name, r.category, r.level.value, f"{r.security_severity:.1f}", r.precision) for r in rules]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        click.echo("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())


@cli.command()
@click.argument("rule")
def explain(rule: str) -> None:
    """Print the help of RULE (an id such as CORS001, or a rule name)."""
    import difflib

    registry = _registry(None, Path.cwd())
    found = registry.get(rule)
    if found is None:
        candidates = [r.id for r in registry.rules] + [r.name for r in registry.rules]
        close = difflib.get_close_matches(rule, candidates, n=1)
        _fail(f"unknown rule {rule!r}" + (f" (did you mean {close[0]}?)" if close else ""))
    click.echo(found.help_markdown(), nl=False)


def _registry(config: Any, cwd: Path, isolated: bool = False) -> Any:
    """The built-in rules plus the organisation's policies (mcplint.policies); a broken policy ends the run."""
    from mcplint.config import ConfigError, load_config
    from mcplint.policies import PolicyError, registry_with_policies

    try:
        return registry_with_policies(config if config is not None else load_config(None, cwd), cwd, isolated)
    except (PolicyError, ConfigError) as exc:
        _fail(f"policy: {exc}" if isinstance(exc, PolicyError) else str(exc))


@cli.group()
def policy() -> None:
    """Test and explain organisation policies (docs/policies.md)."""


@policy.command(name="test")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--fixtures", multiple=True, type=click.Path(path_type=Path, file_okay=False, exists=True),
              help="A fixture project whose policy findings must equal its policy-expectations.txt (repeatable).")
def policy_test(paths: tuple[Path, ...], fixtures: tuple[Path, ...]) -> None:
    """Run every policy's bad/good examples (PATHS: policy files or folders; default: the configured ones)."""
    from mcplint.policies.commands import run_test

    sys.exit(run_test(paths, fixtures))


@policy.command(name="explain")
@click.argument("policy_id", metavar="ID")
@click.argument("file", type=click.Path(path_type=Path))
def policy_explain(policy_id: str, file: Path) -> None:
    """Show which units policy ID selects in FILE (or a folder) and why each passes or fails."""
    from mcplint.policies.commands import run_explain

    sys.exit(run_explain(policy_id, file))


def main() -> None:
    """Console entry point: one-line errors, never a traceback (unless MCPLINT_DEBUG is set).

    It ends with ``os._exit`` after flushing the output: freeing a model of
    tens of thousands of files object by object takes longer than building it.
    """
    code = _run()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (BrokenPipeError, ValueError):
        pass
    from mcplint import lazy_re

    lazy_re.save()  # the regular expressions compiled in this run, for the next one (see lazy_re)
    os._exit(code)


def _run() -> int:
    try:
        cli(standalone_mode=False)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except click.ClickException as exc:
        exc.show()
        return 2
    except click.exceptions.Abort:
        click.echo("mcplint: aborted", err=True)
        return 2
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # noqa: BLE001 - last resort: a bug must not print a traceback
        if os.environ.get("MCPLINT_DEBUG"):
            import traceback

            traceback.print_exc()
        click.echo(
            f"mcplint: internal error: {type(exc).__name__}; rerun with MCPLINT_DEBUG=1 for details",
            err=True,
        )
        return 2
    return 0
