"""Which MCP tools can change something, judged by their names.

Used where a config names tools without describing them: Cline's
``autoApprove`` lists and Fluxbase's ``mcp.allowed_tools``. A name is
write-capable when one of its words is an action verb (``create_issue``,
``browser_click``, ``execute_sql``, ``delete_record``); Fluxbase's built-in
write tools are listed by name. Read verbs (``get``, ``list``, ``search``,
``query_table``) are not actions. ``*`` stands for every tool.
"""

from __future__ import annotations

import re

from mcplint.lazy_re import lazy_compile

_ACTION_WORDS = frozenset(
    """write create update delete del remove rm drop insert upsert execute exec run eval push merge send put patch
    edit modify move rename deploy kill terminate truncate commit upload set apply install uninstall publish
    approve reject close revoke grant invite add alter replace restore reset sync submit invoke trigger start
    stop restart cancel fork mutate purge clear destroy shell bash click fill press drag upgrade rollback migrate
    pay refund enable disable ban lock unlock assign unassign""".split()
)
# Fluxbase's built-in tools that change data or run code (other-configs.md; the product's tool registry).
FLUXBASE_WRITE_TOOLS = frozenset(
    {
        "insert_record", "update_record", "delete_record", "execute_sql", "invoke_function", "invoke_rpc",
        "submit_job", "cancel_job", "upload_object", "delete_object", "http_request", "create_table",
        "drop_table", "alter_table", "add_column", "drop_column", "rename_column", "create_schema",
        "create_branch", "delete_branch", "reset_branch", "sync_function", "sync_job", "sync_rpc",
        "sync_migration", "sync_chatbot",
    }
)
_WORD = lazy_compile(r"[A-Za-z][a-z]*|[0-9]+")


def words(name: str) -> list[str]:
    """``browser_click``, ``createIssue``, ``mcp__github__create_issue`` → their lower-case words."""
    return [w.lower() for part in re.split(r"[^A-Za-z0-9]+", name) for w in _WORD.findall(part)]


def is_wildcard(name: str) -> bool:
    return name.strip() in ("*", "all", "ALL")


def can_write(name: str) -> bool:
    """Whether a tool of this name can change something (or run code) outside the conversation."""
    text = name.strip()
    if is_wildcard(text) or text in FLUXBASE_WRITE_TOOLS:
        return True
    return any(word in _ACTION_WORDS for word in words(text))
