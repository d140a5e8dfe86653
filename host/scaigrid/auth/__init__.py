"""Identity: principals, API keys, JWT bearer tokens, and the guards routes declare."""

from scaigrid.auth.authenticator import Authenticator
from scaigrid.auth.guards import authenticated, current_principal, requires, superadmin
from scaigrid.auth.principal import ROLES, Principal, Role

__all__ = [
    "ROLES",
    "Authenticator",
    "Principal",
    "Role",
    "authenticated",
    "current_principal",
    "requires",
    "superadmin",
]
