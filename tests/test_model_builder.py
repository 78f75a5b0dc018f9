"""Building the model: flAPI projects, endpoints, includes, partial runs, other configs."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

import pytest

from conftest import symlink

from mcplint.diagnostics import DiagnosticKind
from mcplint.discovery import FileAccess, discover
from mcplint.loaders.mustache import TagKind
from mcplint.model import ClientServer, Endpoint, Model
from mcplint.model.builder import build_model
from mcplint.model.secrets import SecretValue
from mcplint.model.values import as_bool, as_text, as_text_list, get_bool, get_text
from mcplint.span import Span
from mcplint.tree import MappingNode, ScalarNode

# ------------------------------------------------------------------- helpers


def make_tree(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return root


def build(root: Path, *paths: str, exclude: tuple[str, ...] = ()) -> Model:
    access = FileAccess(root, exclude=exclude)
    given = [root / p for p in paths] if paths else [root]
    return build_model(discover(given, access))


def endpoint_paths(model: Model) -> list[str]:
    return [e.document.path for e in model.endpoints()]


def endpoint(model: Model, path: str) -> Endpoint:
    matches = [e for e in model.endpoints() if e.document.path == path]
    assert len(matches) == 1, [e.document.path for e in model.endpoints()]
    return matches[0]


def diag(model: Model) -> list[tuple[DiagnosticKind, str]]:
    return [(d.kind, d.span.path) for d in model.diagnostics]


MAIN = """\
# main configuration
project-name: shop
template:
  path: ./sqls
connections:
  shop:
    properties:
      schema: retail
mcp:
  enabled: true
  auth:
    enabled: true
    type: basic
    users:
      - username: claude
        password: mcp-pass-1
"""

COMMON = """\
# shared authentication
auth:
  enabled: true
  type: basic
  users:
    - username: support
      password: Winter2024!
      roles: [read]
"""

ORDERS_YAML = """\
url-path: /orders/
method: get
mcp-tool:
  name: list_orders
  description: List the orders of a customer.
request:
  - field-name: customer_id
    field-in: query
    required: true
    validators:
      - type: int
        min: 1
{{include:auth from common.yaml}}
template-source: orders.sql
connection: [shop]
"""

ORDERS_SQL = """\
SELECT * FROM orders
WHERE customer_id = {{ params.customer_id }}
{{#params.status}} AND status = '{{{ params.status }}}' {{/params.status}}
"""

CUSTOMERS_YAML = """\
mcp-tool:
  name: find_customers
  description: Find customers.
template-source: customers.sql
"""

SHOP = {
    "flapi.yaml": MAIN,
    "sqls/common.yaml": COMMON,
    "sqls/notes.yaml": "description: not an endpoint\n",
    "sqls/orders.yaml": ORDERS_YAML,
    "sqls/orders.sql": ORDERS_SQL,
    "sqls/customers.yaml": CUSTOMERS_YAML,
    "sqls/customers.sql": "SELECT * FROM customers\n",
    "sqls/sub/deep.yml": "mcp-resource:\n  name: schema\ntemplate-source: ../customers.sql\n",
    "sqls/old.yaml.inactive": "url-path: /old/\ntemplate-source: old.sql\n",
    "sqls/old.sql": "SELECT 'old'\n",
}


def shop(root: Path, prefix: str = "") -> Path:
    return make_tree(root, {prefix + k: v for k, v in SHOP.items()})


# ------------------------------------------------------------- full project scan


def test_full_scan_builds_the_project(tmp_path: Path) -> None:
    model = build(shop(tmp_path))
    assert [p.document.path for p in model.projects] == ["flapi.yaml"]
    project = model.projects[0]
    assert project.template_path is not None and project.template_path.text == "./sqls"
    assert project.template_dir == tmp_path / "sqls"
    assert [c.name for c in project.connections] == ["shop"]
    assert [e.document.path for e in project.endpoints] == [
        "sqls/customers.yaml",
        "sqls/orders.yaml",
        "sqls/sub/deep.yml",
    ]
    assert all(e.project is project for e in project.endpoints)
    assert [f.path for f in project.fragments] == ["sqls/common.yaml", "sqls/notes.yaml"]
    assert model.standalone_endpoints == []
    assert model.scope == frozenset(
        {
            "flapi.yaml",
            "sqls/common.yaml",
            "sqls/notes.yaml",
            "sqls/orders.yaml",
            "sqls/orders.sql",
            "sqls/customers.yaml",
            "sqls/customers.sql",
            "sqls/sub/deep.yml",
            "sqls/old.sql",
        }
    )
    assert model.diagnostics == []


def test_inactive_endpoint_files_are_ignored(tmp_path: Path) -> None:
    model = build(shop(tmp_path))
    assert "sqls/old.yaml.inactive" not in model.sources
    assert all(not e.document.path.endswith(".inactive") for e in model.endpoints())
    assert [e.url_path.text for e in model.endpoints() if e.url_path is not None] == ["/orders/"]
    assert all(e.template is None or e.template.path != "sqls/old.sql" for e in model.endpoints())


def test_endpoint_fields_and_template(tmp_path: Path) -> None:
    model = build(shop(tmp_path))
    orders = endpoint(model, "sqls/orders.yaml")
    assert orders.is_rest is True
    assert orders.url_path is not None and orders.url_path.text == "/orders/"
    assert orders.method == "GET"
    assert orders.mcp_tool is not None and orders.mcp_tool.name == "list_orders"
    description = orders.mcp_tool.description
    assert description is not None and description.text == "List the orders of a customer."
    assert orders.mcp_resource is None and orders.mcp_prompt is None
    assert [e.kind for e in orders.mcp_entries] == ["tool"]
    assert orders.display_name == "tool `list_orders`"
    assert orders.connections == ["shop"]
    [field] = orders.request
    assert (field.name, field.field_in, field.required) == ("customer_id", "query", True)
    [validator] = field.validators
    assert validator.type == "int" and validator.min is not None and validator.min.text == "1"
    assert validator.prevent_sql_injection is None

    template = orders.template
    assert template is not None
    assert template.path == "sqls/orders.sql"
    assert template.reference is orders.template_source
    assert template.source.text == ORDERS_SQL
    tags = [(t.kind, t.name) for t in template.mustache.tags]
    assert tags == [
        (TagKind.VARIABLE, "params.customer_id"),
        (TagKind.SECTION, "params.status"),
        (TagKind.TRIPLE, "params.status"),
        (TagKind.CLOSE, "params.status"),
    ]
    first = template.mustache.tags[0]
    assert first.start == ORDERS_SQL.index("{{ params.customer_id }}")
    assert first.end == first.start + len("{{ params.customer_id }}")
    assert [(i.tag.name, i.depth, i.tag.is_raw) for i in template.mustache.interpolations()] == [
        ("params.customer_id", 0, False),
        ("params.status", 1, True),
    ]
    assert template.mustache.errors == []


def test_template_source_is_resolved_relative_to_the_endpoint_file(tmp_path: Path) -> None:
    model = build(shop(tmp_path))
    deep = endpoint(model, "sqls/sub/deep.yml")
    assert deep.template is not None and deep.template.path == "sqls/customers.sql"
    customers = endpoint(model, "sqls/customers.yaml")
    assert customers.template is not None and customers.template.path == "sqls/customers.sql"
    # one SQL file, parsed once, but each endpoint keeps its own reference
    assert deep.template.source is customers.template.source
    assert deep.template.reference is deep.template_source
    assert customers.template.reference is customers.template_source
    assert deep.mcp_resource is not None and deep.mcp_resource.name == "schema"
    assert deep.is_rest is False


def test_endpoint_with_rest_and_mcp_tool_in_one_file(tmp_path: Path) -> None:
    model = build(
        make_tree(
            tmp_path,
            {
                "flapi.yaml": "template:\n  path: eps\n",
                "eps/both.yaml": "url-path: /x/\nmethod: post\nmcp-prompt:\n  name: p\nmcp-tool:\n  name: t\n",
            },
        )
    )
    both = endpoint(model, "eps/both.yaml")
    assert both.is_rest and both.method == "POST"
    assert [(e.kind, e.name) for e in both.mcp_entries] == [("tool", "t"), ("prompt", "p")]
    assert both.template is None and both.template_source is None


def test_included_auth_points_into_the_fragment(tmp_path: Path) -> None:
    model = build(shop(tmp_path))
    orders = endpoint(model, "sqls/orders.yaml")
    auth = orders.auth
    assert auth is not None
    assert auth.scope == "endpoint"
    assert auth.document is orders.document
    assert auth.enabled is True and auth.type == "basic"
    assert auth.key.span == Span("sqls/common.yaml", 2, 1, 2, 5, COMMON.index("auth:"), COMMON.index("auth:") + 4)
    [user] = auth.users
    assert user.username == "support" and user.roles == ["read"]
    password = user.password
    assert isinstance(password, SecretValue)
    offset = COMMON.index("Winter2024!")
    assert password.span == Span("sqls/common.yaml", 7, 17, 7, 28, offset, offset + len("Winter2024!"))
    assert password.logical_path == "auth.users[0].password"
    assert password.reveal() == "Winter2024!"
    for shown in (str(password), repr(password), f"{password}", f"{password!s}", "%s" % password, format(password, "")):
        assert "Winter2024!" not in shown
        assert "Winter" not in shown
    assert str(password) == "…(11 chars)"
    assert password.span in model.secret_spans

    [include] = orders.document.includes
    assert (include.section, include.target, include.condition, include.fragment_path) == (
        "auth",
        "common.yaml",
        None,
        "sqls/common.yaml",
    )
    directive = "{{include:auth from common.yaml}}"
    assert include.span.path == "sqls/orders.yaml"
    assert (include.span.start_line, include.span.start_col) == (13, 1)
    assert (include.span.end_line, include.span.end_col) == (13, 1 + len(directive))


def test_secret_spans_hold_every_basic_auth_password(tmp_path: Path) -> None:
    model = build(shop(tmp_path))
    mcp_offset = MAIN.index("mcp-pass-1")
    common_offset = COMMON.index("Winter2024!")
    assert model.secret_spans == {
        Span("flapi.yaml", 16, 19, 16, 29, mcp_offset, mcp_offset + 10),
        Span("sqls/common.yaml", 7, 17, 7, 28, common_offset, common_offset + 11),
    }
    project = model.projects[0]
    assert project.mcp_auth is not None and project.mcp_auth.scope == "mcp"
    assert project.mcp_auth.location_name == "mcp.auth"
    assert project.global_auth is None
    assert [b.scope for b in model.auth_blocks()] == ["mcp", "endpoint"]


def test_project_in_a_subfolder_is_found(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    shop(repo, "services/api/")
    make_tree(repo, {"README.yaml": "name: repo\n", "web/settings.yaml": "debug: false\n"})
    model = build(repo)
    assert [p.document.path for p in model.projects] == ["services/api/flapi.yaml"]
    assert model.projects[0].template_dir == repo / "services/api/sqls"
    assert endpoint_paths(model) == [
        "services/api/sqls/customers.yaml",
        "services/api/sqls/orders.yaml",
        "services/api/sqls/sub/deep.yml",
    ]
    template = endpoint(model, "services/api/sqls/orders.yaml").template
    assert template is not None and template.path == "services/api/sqls/orders.sql"
    assert model.standalone_endpoints == []


def test_main_config_is_recognised_by_content_under_any_name(tmp_path: Path) -> None:
    make_tree(
        tmp_path,
        {
            "config/prod.yml": "# production\nconnections: {}\ntemplate:\n  path: ../endpoints\n",
            # look-alikes: `template` that is not a mapping with `path`
            "config/notmain.yaml": "template: ./endpoints\n",
            "config/nopath.yaml": "template:\n  environment-whitelist: ['.*']\n",
            "endpoints/a.yaml": "url-path: /a/\n",
        },
    )
    model = build(tmp_path)
    assert [p.document.path for p in model.projects] == ["config/prod.yml"]
    assert model.projects[0].template_dir == tmp_path / "endpoints"
    assert [e.document.path for e in model.projects[0].endpoints] == ["endpoints/a.yaml"]
    assert model.standalone_endpoints == []


def test_main_config_with_remote_template_path_has_no_endpoints(tmp_path: Path) -> None:
    make_tree(tmp_path, {"flapi.yaml": "template:\n  path: s3://bucket/sqls\n", "x/a.yaml": "url-path: /a/\n"})
    model = build(tmp_path)
    [project] = model.projects
    assert project.template_dir is None
    assert project.template_path is not None and project.template_path.text == "s3://bucket/sqls"
    assert project.endpoints == []
    assert [e.document.path for e in model.standalone_endpoints] == ["x/a.yaml"]


def test_endpoint_outside_the_template_folder_is_standalone(tmp_path: Path) -> None:
    shop(tmp_path)
    make_tree(tmp_path, {"drafts/new.yaml": "url-path: /new/\ntemplate-source: new.sql\n", "drafts/new.sql": "SELECT 1\n"})
    model = build(tmp_path)
    assert [e.document.path for e in model.standalone_endpoints] == ["drafts/new.yaml"]
    [draft] = model.standalone_endpoints
    assert draft.project is None
    assert draft.template is not None and draft.template.path == "drafts/new.sql"
    assert endpoint_paths(model)[-1] == "drafts/new.yaml"
    assert len(model.endpoints()) == 4


def test_standalone_endpoints_without_any_main_config(tmp_path: Path) -> None:
    make_tree(
        tmp_path,
        {
            "eps/a.yaml": "url-path: /a/\ntemplate-source: a.sql\n",
            "eps/a.sql": "SELECT {{ params.a }}\n",
            "eps/b.yaml": "mcp-prompt:\n  name: greet\n  template: Hello {{name}}\n",
            "eps/frag.yaml": "auth:\n  enabled: true\n",
        },
    )
    model = build(tmp_path)
    assert model.projects == []
    assert [e.document.path for e in model.standalone_endpoints] == ["eps/a.yaml", "eps/b.yaml"]
    a, b = model.standalone_endpoints
    assert a.project is None and b.project is None
    assert a.template is not None and [t.name for t in a.template.mustache.tags] == ["params.a"]
    assert b.mcp_prompt is not None and b.mcp_prompt.name == "greet"


def test_single_standalone_endpoint_given_alone(tmp_path: Path) -> None:
    make_tree(
        tmp_path,
        {"eps/a.yaml": "url-path: /a/\ntemplate-source: a.sql\n", "eps/a.sql": "SELECT 1\n", "eps/b.yaml": "url-path: /b/\n"},
    )
    model = build(tmp_path, "eps/a.yaml")
    assert model.projects == []
    assert [e.document.path for e in model.standalone_endpoints] == ["eps/a.yaml"]
    assert sorted(model.sources) == ["eps/a.sql", "eps/a.yaml"]
    assert model.scope == frozenset({"eps/a.yaml"})


def test_two_main_configs_sharing_a_template_folder(tmp_path: Path) -> None:
    shop(tmp_path)
    make_tree(tmp_path, {"flapi.prod.yaml": "template:\n  path: sqls\nhttp-host: 127.0.0.1\n"})
    model = build(tmp_path)
    assert [p.document.path for p in model.projects] == ["flapi.prod.yaml", "flapi.yaml"]
    expected = ["sqls/customers.yaml", "sqls/orders.yaml", "sqls/sub/deep.yml"]
    for project in model.projects:
        assert [e.document.path for e in project.endpoints] == expected
        assert all(e.project is project for e in project.endpoints)
    assert len(model.endpoints()) == 6
    # one parsed document per file, shared by both projects' endpoints
    assert model.projects[0].endpoints[1].document is model.projects[1].endpoints[1].document
    assert [d.path for d in model.documents].count("sqls/orders.yaml") == 1


# ---------------------------------------------------------- template-source limits


def test_template_source_outside_the_root_is_not_read(tmp_path: Path, opened: list[str]) -> None:
    root = tmp_path / "root"
    make_tree(tmp_path, {"outside/evil.sql": "SELECT secret\n"})
    make_tree(
        root,
        {
            "flapi.yaml": "template:\n  path: sqls\n",
            "sqls/up.yaml": "url-path: /up/\ntemplate-source: ../../outside/evil.sql\n",
            "sqls/abs.yaml": f"url-path: /abs/\ntemplate-source: {tmp_path / 'outside' / 'evil.sql'}\n",
            "sqls/link.yaml": "url-path: /link/\ntemplate-source: evil_link.sql\n",
        },
    )
    symlink(tmp_path / "outside" / "evil.sql", root / "sqls" / "evil_link.sql")
    model = build(root)
    assert endpoint_paths(model) == ["sqls/abs.yaml", "sqls/link.yaml", "sqls/up.yaml"]
    assert [e.template for e in model.endpoints()] == [None, None, None]
    assert all("outside" not in path and "evil" not in path for path in model.sources)
    assert os.path.realpath(tmp_path / "outside" / "evil.sql") not in opened
    assert {(k, p) for k, p in diag(model)} == {(DiagnosticKind.SKIPPED_FILE, "sqls/evil_link.sql")}


def test_remote_or_environment_template_source_is_not_loaded(tmp_path: Path) -> None:
    make_tree(
        tmp_path,
        {
            "flapi.yaml": "template:\n  path: sqls\n",
            "sqls/remote.yaml": "url-path: /r/\ntemplate-source: https://example.com/q.sql\n",
            "sqls/env.yaml": "url-path: /e/\ntemplate-source: '{{env.SQL_FILE}}'\n",
            "sqls/missing.yaml": "url-path: /m/\ntemplate-source: nothere.sql\n",
        },
    )
    model = build(tmp_path)
    assert endpoint_paths(model) == ["sqls/env.yaml", "sqls/missing.yaml", "sqls/remote.yaml"]
    assert [e.template for e in model.endpoints()] == [None, None, None]
    env = endpoint(model, "sqls/env.yaml")
    assert env.template_source is not None and env.template_source.env_refs == ("SQL_FILE",)


# -------------------------------------------------------------------- partial runs

SHOP_OTHERS = {"sqls/customers.yaml", "sqls/customers.sql", "sqls/sub/deep.yml", "sqls/notes.yaml"}


def test_partial_run_on_one_sql_file(tmp_path: Path) -> None:
    model = build(shop(tmp_path), "sqls/orders.sql")
    assert model.scope == frozenset({"sqls/orders.sql"})
    assert [p.document.path for p in model.projects] == ["flapi.yaml"]
    assert endpoint_paths(model) == ["sqls/orders.yaml"]
    assert sorted(model.sources) == ["flapi.yaml", "sqls/common.yaml", "sqls/orders.sql", "sqls/orders.yaml"]
    assert not SHOP_OTHERS & {d.path for d in model.documents}
    orders = endpoint(model, "sqls/orders.yaml")
    assert orders.template is not None and orders.template.path == "sqls/orders.sql"
    assert orders.auth is not None and orders.auth.users[0].password is not None
    assert model.client_configs == [] and model.fluxbase == [] and model.pgedge == []
    assert model.diagnostics == []


def test_partial_run_finds_the_main_config_several_folders_up(tmp_path: Path, opened: list[str]) -> None:
    repo = tmp_path / "repo"
    shop(repo, "services/api/")
    # A main config higher up, and one above the scan root: neither may be used.
    make_tree(repo, {"flapi.yaml": "template:\n  path: services/api/sqls\n"})
    make_tree(tmp_path, {"flapi.yaml": "template:\n  path: repo/services/api/sqls\n"})
    model = build(repo, "services/api/sqls/orders.sql")
    assert [p.document.path for p in model.projects] == ["services/api/flapi.yaml"]
    assert endpoint_paths(model) == ["services/api/sqls/orders.yaml"]
    assert sorted(model.sources) == [
        "services/api/flapi.yaml",
        "services/api/sqls/common.yaml",
        "services/api/sqls/orders.sql",
        "services/api/sqls/orders.yaml",
    ]
    assert model.scope == frozenset({"services/api/sqls/orders.sql"})
    assert os.path.realpath(tmp_path / "flapi.yaml") not in opened
    assert os.path.realpath(repo / "flapi.yaml") not in opened


def test_partial_run_does_not_search_above_the_root(tmp_path: Path, opened: list[str]) -> None:
    shop(tmp_path)
    root = tmp_path / "sqls"
    access = FileAccess(root)
    model = build_model(discover([root / "orders.sql"], access))
    assert model.projects == []
    # Without the main config, the endpoint beside the SQL file is resolved as a
    # standalone endpoint, exactly as a scan of the whole `sqls/` folder sees it.
    assert [(e.unit_path, e.project) for e in model.standalone_endpoints] == [("orders.yaml", None)]
    assert model.scope == frozenset({"orders.sql"})
    assert os.path.realpath(tmp_path / "flapi.yaml") not in opened


def test_partial_run_on_a_fragment_loads_the_endpoints_that_include_it(tmp_path: Path) -> None:
    model = build(shop(tmp_path), "sqls/common.yaml")
    assert model.scope == frozenset({"sqls/common.yaml"})
    assert endpoint_paths(model) == ["sqls/orders.yaml"]
    assert [f.path for f in model.projects[0].fragments] == ["sqls/common.yaml"]
    assert sorted(model.sources) == ["flapi.yaml", "sqls/common.yaml", "sqls/orders.sql", "sqls/orders.yaml"]
    orders = endpoint(model, "sqls/orders.yaml")
    assert orders.auth is not None and orders.auth.users[0].password is not None
    assert orders.auth.users[0].password.span.path == "sqls/common.yaml"


def test_partial_run_on_one_endpoint_file(tmp_path: Path) -> None:
    model = build(shop(tmp_path), "sqls/customers.yaml")
    assert model.scope == frozenset({"sqls/customers.yaml"})
    assert endpoint_paths(model) == ["sqls/customers.yaml"]
    assert sorted(model.sources) == ["flapi.yaml", "sqls/customers.sql", "sqls/customers.yaml"]
    assert model.standalone_endpoints == []


def test_partial_run_with_the_main_config_in_scope_loads_every_endpoint(tmp_path: Path) -> None:
    model = build(shop(tmp_path), "flapi.yaml")
    assert model.scope == frozenset({"flapi.yaml"})
    assert endpoint_paths(model) == ["sqls/customers.yaml", "sqls/orders.yaml", "sqls/sub/deep.yml"]
    assert [f.path for f in model.projects[0].fragments] == ["sqls/common.yaml", "sqls/notes.yaml"]
    assert "sqls/old.yaml.inactive" not in model.sources


def test_partial_run_on_a_folder_below_the_main_config(tmp_path: Path) -> None:
    model = build(shop(tmp_path), "sqls/sub")
    assert model.scope == frozenset({"sqls/sub/deep.yml"})
    assert [p.document.path for p in model.projects] == ["flapi.yaml"]
    assert endpoint_paths(model) == ["sqls/sub/deep.yml"]
    assert sorted(model.sources) == ["flapi.yaml", "sqls/customers.sql", "sqls/sub/deep.yml"]


def test_partial_run_finds_two_main_configs_in_one_folder(tmp_path: Path) -> None:
    shop(tmp_path)
    make_tree(tmp_path, {"flapi.prod.yaml": "template:\n  path: sqls\n"})
    model = build(tmp_path, "sqls/orders.sql")
    assert [p.document.path for p in model.projects] == ["flapi.prod.yaml", "flapi.yaml"]
    assert [[e.document.path for e in p.endpoints] for p in model.projects] == [
        ["sqls/orders.yaml"],
        ["sqls/orders.yaml"],
    ]


def test_partial_run_does_not_parse_an_endpoint_whose_sql_name_only_contains_the_name(tmp_path: Path) -> None:
    shop(tmp_path)
    make_tree(
        tmp_path,
        {"sqls/big_orders.yaml": "url-path: /big/\ntemplate-source: big_orders.sql\n", "sqls/big_orders.sql": "SELECT 1\n"},
    )
    model = build(tmp_path, "sqls/orders.sql")
    # big_orders.yaml names `big_orders.sql`, not `orders.sql`: it does not matter to this run
    assert endpoint_paths(model) == ["sqls/orders.yaml"]
    assert "sqls/big_orders.yaml" not in model.sources


@pytest.mark.parametrize(
    ("given", "expected_sources"),
    [
        ("shared/orders.sql", ["endpoints/orders.yaml", "flapi.yaml", "shared/auth.yaml", "shared/orders.sql"]),
        ("shared/auth.yaml", ["endpoints/orders.yaml", "flapi.yaml", "shared/auth.yaml", "shared/orders.sql"]),
    ],
)
def test_partial_run_on_a_file_outside_the_template_folder_finds_its_endpoint(
    tmp_path: Path, given: str, expected_sources: list[str]
) -> None:
    # template-source and include paths are relative to the endpoint file and may leave
    # the template folder; the endpoint that uses the given file still matters.
    make_tree(
        tmp_path,
        {
            "flapi.yaml": "template:\n  path: ./endpoints\n",
            "endpoints/orders.yaml": (
                "url-path: /o/\ntemplate-source: ../shared/orders.sql\n{{include:auth from ../shared/auth.yaml}}\n"
            ),
            "endpoints/other.yaml": "url-path: /p/\n",
            "shared/orders.sql": "SELECT {{{ params.q }}}\n",
            "shared/auth.yaml": "auth:\n  enabled: true\n",
        },
    )
    full = build(tmp_path)
    assert endpoint(full, "endpoints/orders.yaml").template.path == "shared/orders.sql"  # type: ignore[union-attr]
    model = build(tmp_path, given)
    assert model.scope == frozenset({given})
    assert endpoint_paths(model) == ["endpoints/orders.yaml"]
    assert sorted(model.sources) == expected_sources


# ------------------------------------------------------------ errors and includes


def test_broken_yaml_gives_a_parse_error_and_the_project_still_builds(tmp_path: Path) -> None:
    shop(tmp_path)
    make_tree(tmp_path, {"sqls/broken.yaml": "url-path: /b/\n  method: [GET\n"})
    model = build(tmp_path)
    assert [(d.kind, d.span.path, d.span.start_line, d.span.start_col) for d in model.diagnostics] == [
        (DiagnosticKind.PARSE_ERROR, "sqls/broken.yaml", 2, 9)
    ]
    assert model.diagnostics[0].message.startswith("invalid YAML: ")
    assert endpoint_paths(model) == ["sqls/customers.yaml", "sqls/orders.yaml", "sqls/sub/deep.yml"]
    assert endpoint(model, "sqls/orders.yaml").template is not None
    assert "sqls/broken.yaml" in model.sources


def test_broken_main_config_gives_a_parse_error_and_the_rest_still_builds(tmp_path: Path) -> None:
    make_tree(
        tmp_path,
        {
            "flapi.yaml": "template:\n  path: sqls\nconnections: {\n",
            "sqls/a.yaml": "url-path: /a/\n",
            ".mcp.json": '{"mcpServers": {"x": {"command": "y"}}}',
        },
    )
    model = build(tmp_path)
    assert diag(model) == [(DiagnosticKind.PARSE_ERROR, "flapi.yaml")]
    assert model.projects == []
    assert [e.document.path for e in model.standalone_endpoints] == ["sqls/a.yaml"]
    assert [c.document.path for c in model.client_configs] == [".mcp.json"]


def test_broken_json_gives_a_parse_error(tmp_path: Path) -> None:
    make_tree(tmp_path, {".mcp.json": '{\n  "mcpServers": {\n    "a": {"command": "x",}\n', "ok.json": "{}"})
    model = build(tmp_path)
    assert [(d.kind, d.span.path) for d in model.diagnostics] == [(DiagnosticKind.PARSE_ERROR, ".mcp.json")]
    assert model.diagnostics[0].message.startswith("invalid JSON: ")
    assert model.client_configs == []


def test_include_of_a_missing_file_gives_an_include_error(tmp_path: Path) -> None:
    make_tree(
        tmp_path,
        {
            "flapi.yaml": "template:\n  path: sqls\n",
            "sqls/a.yaml": "mcp-tool:\n  name: a\n  {{include:auth from nothere.yaml}}\nrequest: []\n",
        },
    )
    model = build(tmp_path)
    directive = "{{include:auth from nothere.yaml}}"
    [d] = model.diagnostics
    assert d.kind is DiagnosticKind.INCLUDE_ERROR
    assert (d.span.path, d.span.start_line, d.span.start_col, d.span.end_line, d.span.end_col) == (
        "sqls/a.yaml",
        3,
        3,
        3,
        3 + len(directive),
    )
    assert d.message == (
        "include target `nothere.yaml` not found (looked for sqls/nothere.yaml); flAPI refuses this file"
    )
    a = endpoint(model, "sqls/a.yaml")
    assert a.mcp_tool is not None and a.mcp_tool.name == "a"
    assert a.auth is None
    [include] = a.document.includes
    assert include.fragment_path is None and include.target == "nothere.yaml"


def test_include_of_a_missing_section_gives_an_include_error(tmp_path: Path) -> None:
    make_tree(
        tmp_path,
        {
            "flapi.yaml": "template:\n  path: sqls\n",
            "sqls/common.yaml": "cors:\n  allow-origins: ['*']\n",
            "sqls/a.yaml": "url-path: /a/\n{{include:auth from common.yaml}}\n",
        },
    )
    model = build(tmp_path)
    assert [(d.kind, d.span.path, d.span.start_line) for d in model.diagnostics] == [
        (DiagnosticKind.INCLUDE_ERROR, "sqls/a.yaml", 2)
    ]
    assert "section `auth` not found" in model.diagnostics[0].message


def test_include_outside_the_root_is_not_read(tmp_path: Path, opened: list[str]) -> None:
    root = tmp_path / "root"
    make_tree(tmp_path, {"secret/auth.yaml": "auth:\n  users: [{username: a, password: b}]\n"})
    make_tree(
        root,
        {
            "flapi.yaml": "template:\n  path: sqls\n",
            "sqls/a.yaml": "url-path: /a/\n{{include:auth from ../../secret/auth.yaml}}\n",
        },
    )
    model = build(root)
    assert [(d.kind, d.span.path, d.span.start_line) for d in model.diagnostics] == [
        (DiagnosticKind.INCLUDE_ERROR, "sqls/a.yaml", 2)
    ]
    assert "lies outside the scanned root" in model.diagnostics[0].message
    assert endpoint(model, "sqls/a.yaml").auth is None
    assert os.path.realpath(tmp_path / "secret/auth.yaml") not in opened


def test_whole_file_include_and_comment_lines(tmp_path: Path) -> None:
    make_tree(
        tmp_path,
        {
            "flapi.yaml": "template:\n  path: sqls\n",
            "sqls/tool.yaml": "mcp-tool:\n  name: t\n  description: d\n",
            "sqls/a.yaml": "# {{include from nothere.yaml}}\nurl-path: /a/\n{{include from tool.yaml}}\n",
        },
    )
    model = build(tmp_path)
    assert model.diagnostics == []
    a = endpoint(model, "sqls/a.yaml")
    assert a.mcp_tool is not None and a.mcp_tool.name == "t"
    assert a.mcp_tool.key.span.path == "sqls/tool.yaml"
    assert (a.mcp_tool.key.span.start_line, a.mcp_tool.key.span.start_col) == (1, 1)
    # tool.yaml is an endpoint of its own as well
    assert endpoint_paths(model) == ["sqls/a.yaml", "sqls/tool.yaml"]


# ------------------------------------------------------------------ client configs


def server_summary(server: ClientServer) -> dict[str, object]:
    def mapping(node: MappingNode | None) -> dict[str, str] | None:
        if node is None:
            return None
        return {k.text: v.text for k, v in node.pairs if isinstance(k, ScalarNode) and isinstance(v, ScalarNode)}

    return {
        "name": server.name,
        "command": server.command.text if server.command is not None else None,
        "args": [a.text for a in server.args],
        "env": mapping(server.env),
        "url": server.url.text if server.url is not None else None,
        "headers": mapping(server.headers),
    }


def no_server(name: str, **fields: object) -> dict[str, object]:
    base: dict[str, object] = {"name": name, "command": None, "args": [], "env": None, "url": None, "headers": None}
    base.update(fields)
    return base


ZED_SETTINGS = """\
// Zed settings (JSON with comments)
{
  /* theme */ "theme": "One Dark",
  "context_servers": {
    "postgres": {
      "command": {
        "path": "npx",
        "args": ["-y", "@modelcontextprotocol/server-postgres"],
        "env": {"PGPASSWORD": "zed-secret"},
      },
    },
    "remote": {"url": "https://mcp.example.com/zed"},
  },
}
"""

CLIENT_FILES = {
    "claude_desktop_config.json": """{"mcpServers": {"fs": {"command": "node", "args": ["server.js", "/data"], "env": {"DEBUG": "1"}}}}""",
    ".mcp.json": """{
  "mcpServers": {
    "github": {"type": "http", "url": "https://api.example.com/mcp", "headers": {"Authorization": "Bearer ${GH}"}},
    "db": {"type": "stdio", "command": "uvx", "args": ["mcp-db", "--dsn=postgres://u@h/d"], "env": {"TOKEN": "${TOKEN:-x}"}}
  }
}""",
    ".cursor/mcp.json": """{"mcpServers": {"linear": {"url": "https://linear/sse", "headers": {"X-Key": "${env:LINEAR}"}}}}""",
    ".vscode/mcp.json": """{
  // VS Code accepts comments
  "inputs": [{"type": "promptString", "id": "pat", "password": true}],
  "servers": {"gh": {"type": "stdio", "command": "docker", "args": ["run", "ghcr.io/x"], "env": {"PAT": "${input:pat}"}}},
}""",
    ".zed/settings.json": ZED_SETTINGS,
    "mcp_config.json": """{"mcpServers": {"remote": {"serverUrl": "https://windsurf.example.com/sse"}, "local": {"command": "python", "args": ["-m", "srv"]}}}""",
    "cline_mcp_settings.json": """{"mcpServers": {"c": {"command": "node", "args": ["c.js"], "disabled": false, "autoApprove": ["read"]}}}""",
    "tools/my-servers.json": """{"mcpServers": {"g": {"command": "g"}, "not-a-server": "text"}}""",
    "package.json": """{"name": "app", "servers": {"x": {"command": "y"}}}""",
    "other/mcp.json": """{"servers": {"v": {"command": "c"}}}""",
}


def test_client_configs_of_every_flavour(tmp_path: Path) -> None:
    model = build(make_tree(tmp_path, CLIENT_FILES))
    assert model.diagnostics == []
    by_path = {c.document.path: c for c in model.client_configs}
    assert {p: (c.client, c.servers_key) for p, c in by_path.items()} == {
        ".cursor/mcp.json": ("cursor", "mcpServers"),
        ".mcp.json": ("claude-code", "mcpServers"),
        ".vscode/mcp.json": ("vscode", "servers"),
        ".zed/settings.json": ("zed", "context_servers"),
        "claude_desktop_config.json": ("claude-desktop", "mcpServers"),
        "cline_mcp_settings.json": ("cline", "mcpServers"),
        "mcp_config.json": ("windsurf", "mcpServers"),
        "other/mcp.json": ("vscode", "servers"),
        "tools/my-servers.json": ("generic", "mcpServers"),
    }
    servers = {p: [server_summary(s) for s in c.servers] for p, c in by_path.items()}
    assert servers["claude_desktop_config.json"] == [
        no_server("fs", command="node", args=["server.js", "/data"], env={"DEBUG": "1"})
    ]
    assert servers[".mcp.json"] == [
        no_server("github", url="https://api.example.com/mcp", headers={"Authorization": "Bearer ${GH}"}),
        no_server("db", command="uvx", args=["mcp-db", "--dsn=postgres://u@h/d"], env={"TOKEN": "${TOKEN:-x}"}),
    ]
    assert servers[".cursor/mcp.json"] == [
        no_server("linear", url="https://linear/sse", headers={"X-Key": "${env:LINEAR}"})
    ]
    assert servers[".vscode/mcp.json"] == [
        no_server("gh", command="docker", args=["run", "ghcr.io/x"], env={"PAT": "${input:pat}"})
    ]
    assert servers[".zed/settings.json"] == [
        no_server(
            "postgres",
            command="npx",
            args=["-y", "@modelcontextprotocol/server-postgres"],
            env={"PGPASSWORD": "zed-secret"},
        ),
        no_server("remote", url="https://mcp.example.com/zed"),
    ]
    assert servers["mcp_config.json"] == [
        no_server("remote", url="https://windsurf.example.com/sse"),
        no_server("local", command="python", args=["-m", "srv"]),
    ]
    assert servers["cline_mcp_settings.json"] == [no_server("c", command="node", args=["c.js"])]
    assert servers["tools/my-servers.json"] == [no_server("g", command="g")]
    assert servers["other/mcp.json"] == [no_server("v", command="c")]

    vscode = by_path[".vscode/mcp.json"]
    assert vscode.inputs is not None and len(vscode.inputs.items) == 1
    assert by_path[".mcp.json"].inputs is None


def test_zed_positions_survive_comments(tmp_path: Path) -> None:
    model = build(make_tree(tmp_path, {".zed/settings.json": ZED_SETTINGS}))
    [config] = model.client_configs
    postgres = config.servers[0]
    assert postgres.command is not None
    assert (postgres.command.span.start_line, postgres.command.span.start_col) == (7, 17)
    assert postgres.env is not None
    value = postgres.env.get_scalar("PGPASSWORD")
    assert value is not None
    assert (value.span.start_line, value.span.start_col, value.span.end_col) == (9, 31, 43)
    assert postgres.key.text == "postgres" and postgres.node.get_map("command") is not None


def test_yaml_files_are_never_client_configs(tmp_path: Path) -> None:
    model = build(make_tree(tmp_path, {"mcp.yaml": "mcpServers:\n  a:\n    command: x\n"}))
    assert model.client_configs == []


# ------------------------------------------------------------------ Fluxbase, pgEdge


def test_fluxbase_by_file_name(tmp_path: Path) -> None:
    make_tree(
        tmp_path,
        {
            "fluxbase.yaml": "mcp:\n  enabled: true\n",
            "deploy/fluxbase.example.yml": "server:\n  port: 8080\n",
            "deploy/Fluxbase.YAML": "auth: {}\n",
        },
    )
    model = build(tmp_path)
    assert [f.document.path for f in model.fluxbase] == ["deploy/Fluxbase.YAML", "deploy/fluxbase.example.yml", "fluxbase.yaml"]
    assert model.pgedge == [] and model.projects == []


def test_fluxbase_by_content(tmp_path: Path) -> None:
    make_tree(
        tmp_path,
        {
            "config/server.yaml": (
                "database:\n  host: db\n  admin_password: p\n"
                "mcp:\n  enabled: true\n  allowed_tools: []\n"
            ),
            # `database.password` is no marker; `cors.allowed_origins` and `auth.jwt_secret` are
            "config/app.yaml": (
                "database:\n  host: db\n  password: secret\ncors:\n  allowed_origins: '*'\n"
                "auth:\n  jwt_secret: your-secret-key-change-in-production\n"
            ),
        },
    )
    model = build(tmp_path)
    assert [f.document.path for f in model.fluxbase] == ["config/app.yaml", "config/server.yaml"]


def test_generic_app_config_is_not_fluxbase(tmp_path: Path) -> None:
    make_tree(
        tmp_path,
        {
            # database plus a single Fluxbase-looking key
            "app.yaml": "database:\n  host: db\n  admin_password: p\nlogging:\n  level: info\n",
            # two markers but no `database` section
            "svc.yaml": "auth:\n  jwt_secret: x\ncors:\n  allowed_origins: '*'\n",
            # `database` as a scalar, markers elsewhere in the wrong sections
            "other.yaml": "database: sqlite\nstorage:\n  jwt_secret: x\nauth:\n  provider: y\n",
        },
    )
    model = build(tmp_path)
    assert model.fluxbase == []
    assert model.pgedge == []


def test_pgedge_server_tokens_and_users(tmp_path: Path) -> None:
    make_tree(
        tmp_path,
        {
            "pg/server.yaml": (
                "http:\n  enabled: true\n  address: ':8080'\n"
                "databases:\n  - name: main\n    host: db.internal\n    database: app\n    user: mcp\n"
                "    sslmode: prefer\n"
            ),
            "pg/http-only.yaml": "http:\n  auth:\n    enabled: true\n    token_file: tokens.yaml\n",
            "pg/tokens.yaml": "tokens:\n  tok1:\n    hash: abc\n    annotation: ci\n  tok2:\n    hash: def\n",
            "pg/users.yaml": "users:\n  alice:\n    password_hash: $2b$12$abc\n",
            # look-alikes
            "other/users.yaml": "users:\n  alice:\n    email: a@example.com\n",
            "other/tokens.yaml": "tokens: {}\n",
            "other/dbs.yaml": "databases:\n  - name: main\n    host: h\n",
        },
    )
    model = build(tmp_path)
    assert [(p.document.path, p.kind) for p in model.pgedge] == [
        ("pg/http-only.yaml", "server"),
        ("pg/server.yaml", "server"),
        ("pg/tokens.yaml", "tokens"),
        ("pg/users.yaml", "users"),
    ]
    assert model.fluxbase == []


def test_flapi_files_are_not_classified_as_services(tmp_path: Path) -> None:
    make_tree(
        tmp_path,
        {
            "fluxbase.yaml": "template:\n  path: eps\n",  # a flAPI main config, whatever its name
            "eps/tokens.yaml": "url-path: /t/\ntokens:\n  a:\n    hash: x\n",
        },
    )
    model = build(tmp_path)
    assert [p.document.path for p in model.projects] == ["fluxbase.yaml"]
    assert endpoint_paths(model) == ["eps/tokens.yaml"]
    assert model.fluxbase == [] and model.pgedge == []


# --------------------------------------------------------------- yaml-cpp values


@pytest.mark.parametrize(
    "text", ["y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"]
)
def test_yaml_cpp_true_spellings(text: str) -> None:
    assert as_bool(ScalarNode(Span("f", 1, 1, 1, 1), (), text, text, None)) is True


@pytest.mark.parametrize(
    "text", ["n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"]
)
def test_yaml_cpp_false_spellings(text: str) -> None:
    assert as_bool(ScalarNode(Span("f", 1, 1, 1, 1), (), text, text, None)) is False


@pytest.mark.parametrize("text", ["tRUE", "yES", "oN", "1", "0", "enabled", "", " true", "t", "f"])
def test_not_yaml_cpp_bool_spellings(text: str) -> None:
    assert as_bool(ScalarNode(Span("f", 1, 1, 1, 1), (), text, text, "'")) is None


def test_auth_enabled_follows_yaml_cpp(tmp_path: Path) -> None:
    make_tree(
        tmp_path,
        {
            "flapi.yaml": "template:\n  path: eps\n",
            "eps/on.yaml": "url-path: /a/\nauth:\n  enabled: On\n",
            "eps/quoted.yaml": "url-path: /b/\nauth:\n  enabled: 'yes'\n",
            "eps/n.yaml": "url-path: /c/\nauth:\n  enabled: n\n",
            "eps/one.yaml": "url-path: /d/\nauth:\n  enabled: 1\n",
            "eps/null.yaml": "url-path: /e/\nauth:\n  enabled:\n",
            "eps/missing.yaml": "url-path: /f/\nauth:\n  type: basic\n",
            "eps/scalar.yaml": "url-path: /g/\nauth: true\n",
        },
    )
    model = build(tmp_path)
    enabled = {e.document.path: e.auth.enabled for e in model.endpoints() if e.auth is not None}
    assert enabled == {
        "eps/missing.yaml": None,
        "eps/n.yaml": False,
        "eps/null.yaml": None,
        "eps/on.yaml": True,
        "eps/one.yaml": None,
        "eps/quoted.yaml": True,
        "eps/scalar.yaml": None,
    }


def test_text_helpers_read_scalars_as_written(tmp_path: Path) -> None:
    make_tree(tmp_path, {"x.yaml": "password: 0x1F\nempty:\nroles: admin\nlist: [a, ~, 'b']\nflag: off\n"})
    model = build(tmp_path)
    [document] = model.documents
    root = document.mapping
    assert root is not None
    assert get_text(root, "password") == "0x1F"
    assert as_text(root.get("empty")) is None
    assert as_text_list(root.get("roles")) == ["admin"]
    assert as_text_list(root.get("list")) == ["a", "b"]
    assert as_text_list(root.get("missing")) == []
    assert get_bool(root, "flag") is False
    assert get_bool(None, "flag") is None
    assert get_text(None, "password") is None


def test_partial_run_on_the_sql_of_a_standalone_endpoint_finds_the_endpoint(tmp_path: Path) -> None:
    make_tree(tmp_path, {
        "writes/update.yaml": "url-path: /update/\nmethod: PUT\ntemplate-source: update.sql\n",
        "writes/update_all.yaml": "url-path: /update-all/\ntemplate-source: update_all.sql\n",
        "writes/update.sql": "UPDATE t SET x = 1 {{#if params.id}} WHERE id = 1 {{/if}}\n",
        "writes/update_all.sql": "UPDATE t SET x = 2\n",
    })
    folder = build_model(discover([tmp_path], FileAccess(tmp_path)))
    single = build_model(discover([tmp_path / "writes/update.sql"], FileAccess(tmp_path)))
    assert [e.unit_path for e in single.standalone_endpoints] == ["writes/update.yaml"]
    assert [d.message for d in single.diagnostics if d.span.path == "writes/update.sql"] == [
        d.message for d in folder.diagnostics if d.span.path == "writes/update.sql"
    ]
    assert "writes/update_all.yaml" not in single.sources
