"""Example projects for the SQL-injection rules (the tests run them)."""

MAIN = "template:\n  path: ./sqls\ncors:\n  allow-origins: [https://app.example.com]\n"


def project(request: str, sql: str) -> dict[str, str]:
    """A one-endpoint project: ``request`` is the YAML ``request:`` list body, ``sql`` the template."""
    return {
        "flapi.yaml": MAIN,
        "sqls/orders.yaml": (
            "url-path: /orders/\n"
            "mcp-tool:\n  name: find_orders\n  description: Find orders.\n"
            "template-source: orders.sql\n"
            f"request:\n{request}"
        ),
        "sqls/orders.sql": sql,
    }


STATUS_FREE = "  - field-name: status\n    field-in: query\n"
STATUS_ENUM = (
    "  - field-name: status\n    field-in: query\n    validators:\n"
    "      - type: enum\n        allowedValues: [open, shipped, cancelled]\n"
)
ID_INT = "  - field-name: id\n    field-in: query\n    required: true\n    validators:\n      - type: int\n"
