"""The seed's ACL names, kept importable from where 0.1.0 defined them."""

from .contract import (
    ACLS,
    AUTHENTICATED_READ,
    PRIVATE,
    PUBLIC_READ,
    PUBLIC_READ_WRITE,
)

ACCESS_CONTROL_TYPES = list(ACLS)

__all__ = [
    "ACCESS_CONTROL_TYPES",
    "AUTHENTICATED_READ",
    "PRIVATE",
    "PUBLIC_READ",
    "PUBLIC_READ_WRITE",
]
