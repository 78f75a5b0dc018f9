"""mcplint: a static security linter for MCP server projects.

This module stays tiny on purpose: ``mcplint --version`` imports it and
nothing else, so start-up cost is paid only by real lint runs.
"""

__version__ = "0.2.0"
INFORMATION_URI = "https://github.com/mcplint/mcplint"
