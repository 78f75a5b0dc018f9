"""Example projects for the write-filter rules (the tests run them)."""

MAIN = "template:\n  path: ./sqls\ncors:\n  allow-origins: [https://app.example.com]\n"


def write_endpoint(request: str, sql: str, extra: str = "") -> dict[str, str]:
    return {
        "flapi.yaml": MAIN,
        "sqls/close.yaml": (
            "url-path: /orders/close\nmethod: POST\n"
            "mcp-tool:\n  name: close_orders\n  description: Close orders.\n"
            "template-source: close.sql\n" + extra + f"request:\n{request}"
        ),
        "sqls/close.sql": sql,
    }


ID_OPTIONAL = "  - field-name: id\n    validators: [{type: int}]\n"
ID_REQUIRED = "  - field-name: id\n    required: true\n    validators: [{type: int}]\n"
