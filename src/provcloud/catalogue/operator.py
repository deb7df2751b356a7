"""The province's operators: people of the platform team who administer the service machines."""

from typing import Annotated

from pydantic import Field

from provcloud.catalogue.base import SSH_PUBLIC_KEY_PATTERN, CatalogueModel, NameText

SshPublicKey = Annotated[str, Field(pattern=SSH_PUBLIC_KEY_PATTERN)]


class Operator(CatalogueModel):
    login: str = Field(pattern=r"^[a-z_][a-z0-9_-]{0,31}$")
    """Unix login on every service machine, e.g. `nguyenvana`."""
    name: NameText
    """Full name, with diacritics."""
    ssh_keys: list[SshPublicKey] = Field(min_length=1)
    """Public SSH keys (never private keys): password login is disabled everywhere."""
    admin: bool = True
    """May become root (sudo) on the service machines."""
