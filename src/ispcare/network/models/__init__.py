"""The network app's tables: topology, FreeRADIUS's own tables, desired vs applied access."""

from .access import AccessBackendState, CoaRequest, SubscriberAccess
from .radius import (
    RadAcct,
    RadCheck,
    RadGroupCheck,
    RadGroupReply,
    RadNas,
    RadPostAuth,
    RadReply,
    RadUserGroup,
)
from .topology import Nas, Node

__all__ = [
    "AccessBackendState",
    "CoaRequest",
    "Nas",
    "Node",
    "RadAcct",
    "RadCheck",
    "RadGroupCheck",
    "RadGroupReply",
    "RadNas",
    "RadPostAuth",
    "RadReply",
    "RadUserGroup",
    "SubscriberAccess",
]
