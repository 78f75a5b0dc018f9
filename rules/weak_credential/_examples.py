"""Example projects for the weak-credential rules (the tests run them)."""

MAIN = "template:\n  path: ./sqls\ncors:\n  allow-origins: [https://app.example.com]\n"
SQL = "SELECT id, total FROM orders LIMIT 100\n"


def endpoint_with_password(password_line: str) -> dict[str, str]:
    return {
        "flapi.yaml": MAIN,
        "sqls/orders.yaml": (
            "url-path: /orders/\n"
            "template-source: orders.sql\n"
            "auth:\n"
            "  enabled: true\n"
            "  type: basic\n"
            "  users:\n"
            "    - username: analyst\n"
            f"      password: {password_line}\n"
            "      roles: [read]\n"
        ),
        "sqls/orders.sql": SQL,
    }


# A strong hash as flAPI expects it: $pbkdf2-sha256$<iterations>$<salt>$<hash>.
PBKDF2 = "'$pbkdf2-sha256$600000$c2FsdHNhbHRzYWx0$dGhpc2lzbm90YXJlYWxoYXNoYnV0d2VsbGZvcm1lZA'"
