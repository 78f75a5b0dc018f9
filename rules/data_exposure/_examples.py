"""Example projects for the data-exposure rules (the tests run them)."""

MAIN = "template:\n  path: ./sqls\ncors:\n  allow-origins: [https://app.example.com]\n"


def tool(sql: str, response: str = "") -> dict[str, str]:
    return {
        "flapi.yaml": MAIN,
        "sqls/customers.yaml": (
            "mcp-tool:\n  name: list_customers\n  description: List customers of a region.\n" + response
            + "template-source: customers.sql\n"
            "request:\n  - field-name: region\n    required: true\n"
            "    validators: [{type: enum, allowedValues: [eu, us]}]\n"
        ),
        "sqls/customers.sql": sql,
    }
