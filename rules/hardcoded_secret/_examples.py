"""Example projects for the hardcoded-secret rules (the tests run them).

The secrets here are printed in every rule's help (``mcplint explain``, the
docs pages, SARIF ``help.markdown``): they have real token shapes so the
rules fire, and say ``DocsOnly``/``docs-only`` so that nobody mistakes them
for live credentials. The redaction test uses other values.
"""

GITHUB_TOKEN = "ghp_mcpLintDocsOnly0Q4w8E2r6T9y3U7i1O5pZ"
DB_PASSWORD = "DocsOnly-Pw-4h7k"
JWT_SECRET = "mcplint-docs-only-7Qz2Lk9Vd"
RANDOM_KEY = "Kq8ZpD3vLw7NcR2xYb5TgH9mJ4sF6aE1"

MAIN = "template:\n  path: ./sqls\ncors:\n  allow-origins: [https://app.example.com]\n"
ENDPOINT = "url-path: /orders/\ntemplate-source: orders.sql\n"
SQL = "SELECT id, total FROM orders LIMIT 100\n"


def flapi_project(main_tail: str) -> dict[str, str]:
    return {"flapi.yaml": MAIN + main_tail, "sqls/orders.yaml": ENDPOINT, "sqls/orders.sql": SQL}


def claude_code_config(env_value: str) -> dict[str, str]:
    return {
        ".mcp.json": (
            "{\n"
            '  "mcpServers": {\n'
            '    "github": {\n'
            '      "command": "npx",\n'
            '      "args": ["-y", "@modelcontextprotocol/server-github"],\n'
            f'      "env": {{"GITHUB_PERSONAL_ACCESS_TOKEN": "{env_value}"}}\n'
            "    }\n"
            "  }\n"
            "}\n"
        )
    }


def cursor_config(env_value: str) -> dict[str, str]:
    return {
        ".cursor/mcp.json": (
            "{\n"
            '  "mcpServers": {\n'
            '    "brave-search": {\n'
            '      "command": "npx",\n'
            '      "args": ["-y", "@modelcontextprotocol/server-brave-search"],\n'
            f'      "env": {{"BRAVE_API_KEY": "{env_value}"}}\n'
            "    }\n"
            "  }\n"
            "}\n"
        )
    }


def postgres_init(url: str) -> dict[str, str]:
    return flapi_project(
        "connections:\n"
        "  shop:\n"
        "    init: |\n"
        "      INSTALL postgres;\n"
        "      LOAD postgres;\n"
        f"      ATTACH '{url}' AS shop (TYPE postgres, READ_ONLY);\n"
    )


def bearer_auth(secret_line: str) -> dict[str, str]:
    return flapi_project(f"mcp:\n  auth:\n    enabled: true\n    type: bearer\n    jwt-secret: {secret_line}\n")
