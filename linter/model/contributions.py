"""Which files a unit's findings depend on.

A finding is reported at one place, but its cause can sit in another file: an
injection in a ``.sql`` template exists because the endpoint YAML beside it
declares no strict validator, perhaps through an included fragment. A run on
some of the files only (the pre-commit hook) must report a finding when any of
the files it depends on was passed, or a change to the YAML alone would open
a hole that no hook run shows.
"""

from __future__ import annotations

from mcplint.model.flapi import Endpoint


def contributing_files(unit: object, unit_path: str, finding_path: str) -> frozenset[str]:
    """The files a finding at ``finding_path`` on ``unit`` depends on, its own file among them.

    Every finding on an endpoint depends on the endpoint's YAML after includes: the
    endpoint file and its fragments. That is where the declarations, validators and auth
    that decide a finding in the SQL template live, so a template finding is reported
    when only the YAML changed; a finding on the YAML is not said to depend on the
    template's text. The project's main config is not listed: it shapes every endpoint,
    so listing it would report the whole project on a change to one main-config key; a
    finding that depends on a main-config value names that place as a related location,
    which counts as well.
    """
    if not isinstance(unit, Endpoint):
        return frozenset((unit_path, finding_path))
    files = {finding_path, unit_path, unit.document.path}
    files.update(include.fragment_path for include in unit.document.includes if include.fragment_path)
    return frozenset(files)
