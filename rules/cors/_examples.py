"""Shared example files for the CORS rules (real inputs; the tests run them)."""

ENDPOINT = """\
url-path: /orders/
template-source: orders.sql
"""
SQL = "SELECT id, status FROM orders LIMIT 100\n"


def flapi_project(main: str) -> dict[str, str]:
    return {"flapi.yaml": main, "sqls/orders.yaml": ENDPOINT, "sqls/orders.sql": SQL}
