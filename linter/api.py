"""A small programmatic interface: lint paths and get a report.

The command line is a thin layer over :func:`lint`; tests and integrations
use it directly. Nothing here prints or exits.
"""

from __future__ import annotations

import dataclasses
import gc
import os
from dataclasses import dataclass, field
from pathlib import Path

from mcplint import cached_run
from mcplint.config import Config, ConfigError
from mcplint.discovery import DiscoveryError, FileAccess, choose_root, discover
from mcplint.engine import check_cache
from mcplint.engine.checks import checks_here
from mcplint.engine.registry import Registry, SelectorError, default_registry
from mcplint.engine.result_cache import CACHE_FILE, FILES_CACHE_FILE, ResultCache, run_context
from mcplint.engine.rule import Level, Rule
from mcplint.engine.runner import EngineSettings, Report, run
from mcplint.engine.streaming import EndpointChecker
from mcplint.model.builder import build_model
from mcplint.model.model import Model
from mcplint.progress import NO_PROGRESS, Progress
from mcplint.settings_tree import FolderSettings, nested_configs


@dataclass
class LintRun:
    report: Report
    model: Model
    rules: list[Rule] = field(default_factory=list)
    settings: EngineSettings | None = None  # as the run applied them (nested configurations included)
    cache: ResultCache | None = None  # what the run would keep, written by save_cache()

    def save_cache(self) -> None:
        """Write what this run found to ``.mcplint_cache/`` (the command line does it once the report is
        out: a run that fails, e.g. on a refused ``--output``, leaves the tree as it was)."""
        if self.cache is not None:
            self.cache.save()


def resolve_settings(config: Config, registry: Registry, cli_select: list[str] | None = None,
                     cli_ignore: list[str] | None = None, cli_extend: list[str] | None = None
                     ) -> tuple[list[Rule], EngineSettings]:
    """Rules to run and engine settings from a config plus command-line overrides.

    Raises :class:`~mcplint.engine.registry.SelectorError` for unknown selectors.
    """
    rules = registry.select(
        cli_select or config.select,
        config.ignore + (cli_ignore or []),
        extend=config.extend_select + (cli_extend or []),
    )
    levels: dict[str, Level] = {}
    for key, value in config.levels.items():
        rule = registry.get(key)
        if rule is None:
            raise SelectorError(f"`levels` names unknown rule {key!r}")
        levels[rule.id] = Level(value)
    per_file = {
        glob: {rule_id for selector in selectors for rule_id in registry.resolve(selector)}
        for glob, selectors in config.per_file_ignores.items()
    }
    return rules, EngineSettings(
        levels=levels, per_file_ignores=per_file, cli_select=cli_select, cli_ignore=list(cli_ignore or []),
        cli_extend=list(cli_extend or []),
    )


def with_nested_configs(
    config: Config, registry: Registry, rules: list[Rule], settings: EngineSettings, root: Path, paths: list[str]
) -> tuple[Registry, list[Rule], EngineSettings]:
    """The run's registry, rules and settings, extended by the configurations in folders below ``root``.

    Each nested configuration is resolved as the run's is (with the same command-line
    selections), with the policies it names (relative to its folder) added to the registry;
    the rules to run are the union of all selections, and the engine keeps for each file
    only what its nearest configuration selects (see settings_tree.py).

    Raises ConfigError for a nested configuration that cannot be used, and
    :class:`~mcplint.policies.PolicyError` for a broken policy it names.
    """
    found = nested_configs(root, paths, config)
    if not found:
        return registry, rules, settings
    from mcplint.policies import nested_policy_rules

    folders = []
    chosen = {rule.id: rule for rule in rules}
    added: list[Rule] = []  # every nested folder's policies, for the run's registry
    for folder, source, nested in found:
        # Each folder sees the run's rules and policies plus its own policies, never a sibling's.
        policies = nested_policy_rules(nested, root / folder, Registry(tuple(registry.rules) + tuple(added)))
        own = Registry(tuple(registry.rules) + tuple(policies)) if policies else registry
        added += policies
        try:
            nested_rules, resolved = resolve_settings(
                nested, own, settings.cli_select, settings.cli_ignore, settings.cli_extend
            )
        except SelectorError as exc:
            raise ConfigError(f"{source}: {exc}") from None
        chosen.update((rule.id, rule) for rule in nested_rules)
        folders.append(FolderSettings(
            folder, source, nested, frozenset(rule.id for rule in nested_rules), resolved.levels,
            resolved.per_file_ignores,
        ))
    if added:
        registry = Registry(tuple(registry.rules) + tuple(added))
    ordered = [rule for rule in registry.rules if rule.id in chosen]
    run_selected = frozenset(rule.id for rule in rules)
    return registry, ordered, dataclasses.replace(settings, folders=tuple(folders), selected=run_selected)


def lint(
    paths: list[Path],
    cwd: Path,
    config: Config | None = None,
    registry: Registry | None = None,
    rules: list[Rule] | None = None,
    settings: EngineSettings | None = None,
    extra_exclude: tuple[str, ...] = (),
    jobs: int = 1,
    progress: Progress = NO_PROGRESS,
    use_cache: bool = False,
    isolated: bool = False,
    save_cache: bool = True,
    keep_model: bool = True,
) -> LintRun:
    """Lint ``paths`` (default: ``cwd``) and return the report and the model.

    ``jobs`` > 1 lets a large tree be checked by that many worker processes;
    the report is the same whatever it is. ``use_cache`` (with ``cache`` on in
    the configuration) keeps an index in ``.mcplint_cache/`` that speeds up
    runs on a few files of a large project; it never changes the report.
    ``isolated`` leaves out configurations found in folders below the root (a run
    given ``--config``, or one that must not let the scanned tree configure itself).
    ``save_cache`` False leaves writing the result cache to :meth:`LintRun.save_cache`.
    ``keep_model`` False lets a run without a cache check each endpoint file as soon as
    it is built and drop its tree (``engine/streaming.py``): the report is the same, and
    memory hardly grows with the tree, but ``LintRun.model`` then holds stand-ins
    (``CheckedEndpoint``) for those endpoints. The command line does this.

    Raises :class:`~mcplint.discovery.DiscoveryError` for paths that do not exist.
    """
    config = config or Config()
    registry = registry or default_registry()
    if rules is None or settings is None:
        chosen, resolved = resolve_settings(config, registry)
        rules = chosen if rules is None else rules
        settings = resolved if settings is None else settings
    given = [p if p.is_absolute() else cwd / p for p in paths] or [cwd]
    for shown, path in zip(paths, given, strict=False):  # given has [cwd] when paths is empty
        if not os.path.lexists(path):
            raise DiscoveryError(f"path does not exist: {shown}")
    access = FileAccess(choose_root(given, cwd), tuple(config.exclude) + extra_exclude, config.max_file_size,
                        keep_stamps=use_cache and config.cache)
    # The model is built once and kept; it holds few reference cycles. Python's
    # cyclic collector would rescan the whole growing heap again and again
    # (about half the run time on large trees), so it is paused for the run.
    collecting = gc.isenabled()
    gc.disable()
    try:
        options = {"sensitive-columns": list(config.extend_sensitive_columns), "flapi-version": config.flapi_version}
        discovery = discover(given, access)
        walk_notes = [f"{d.span.path}:{d.kind.value}:{d.message}" for d in access.diagnostics]
        if not isolated:
            scanned = [access.rel(path) for path in discovery.files]
            registry, rules, settings = with_nested_configs(config, registry, rules, settings, access.root, scanned)
        cache = None
        run_key = None
        if use_cache and config.cache:
            name = FILES_CACHE_FILE if discovery.explicit_files else CACHE_FILE
            cache = ResultCache(access.root, run_context(rules, options, settings, config.max_file_size), name)
            run_key = cached_run.run_key(cache, discovery, walk_notes)
            replayed = cached_run.replay(cache, run_key, registry, rules, discovery) if run_key else None
            if replayed is not None:
                outcome = LintRun(replayed[0], replayed[1], rules, settings, cache)
                if save_cache:
                    outcome.save_cache()
                return outcome
        # A folder run's cache vouches for unchanged endpoint files, which are then not parsed.
        vouched = check_cache.vouchers(cache) if cache is not None and not discovery.explicit_files else None
        # Without a cache to fill, and in one process, a folder run checks each endpoint file as it is
        # built and lets its tree go (engine/streaming.py): memory then hardly grows with the tree.
        checker = None
        one_process = checks_here(jobs, len(discovery.files))
        if not keep_model and cache is None and not discovery.explicit_files and one_process:
            checker = EndpointChecker(rules)
        model = build_model(discovery, options, progress, use_cache and config.cache, vouched, checker)
        if checker is not None:  # nothing is read after the build, and nothing needs the file list
            access.forget()
            discovery.files.clear()
        if cache is not None:  # template analyses of earlier runs: an unchanged template's SQL is not parsed
            model.analysis_memo.stored = cache.analyses()
            model.analysis_memo.enabled = True
        # Out of the collector's view while the checks collect what they drop (see engine/checks.py).
        gc.freeze()
        report = run(model, rules, registry, settings, jobs, progress, cache)
        if cache is not None:
            cache.keep_analyses(model.analysis_memo.added)
        if cache is not None and run_key is not None:
            cached_run.remember(cache, run_key, report, model, discovery)
        outcome = LintRun(report, model, rules, settings, cache)
        if save_cache:
            outcome.save_cache()
        return outcome
    finally:
        gc.unfreeze()
        if collecting:
            gc.enable()
