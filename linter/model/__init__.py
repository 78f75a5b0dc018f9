"""The resolved model of everything mcplint scanned; rules read only this."""

from mcplint.model.documents import Document, IncludeRecord
from mcplint.model.flapi import (
    AuthBlock,
    BasicUser,
    Connection,
    Endpoint,
    FlapiProject,
    McpEntry,
    RequestField,
    Template,
    Validator,
)
from mcplint.model.clients import ClientConfig, ClientServer
from mcplint.model.services import FluxbaseConfig, PgEdgeConfig
from mcplint.model.model import Model, Target, Unit

__all__ = [
    "AuthBlock",
    "BasicUser",
    "ClientConfig",
    "ClientServer",
    "Connection",
    "Document",
    "Endpoint",
    "FlapiProject",
    "FluxbaseConfig",
    "IncludeRecord",
    "McpEntry",
    "Model",
    "PgEdgeConfig",
    "RequestField",
    "Target",
    "Template",
    "Unit",
    "Validator",
]
