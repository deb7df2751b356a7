"""The stack's configuration (`stacks/platform/Pulumi.<province>.yaml`): which catalogue to build,
which cluster to talk to, and who may log in to the service VMs."""

import json
from dataclasses import dataclass, field
from pathlib import Path

import pulumi

from provcloud.errors import UserError
from provcloud.project import project_root

PROJECT = "provcloud-platform"
"""The Pulumi project name; stack config keys are `provcloud-platform:<key>`."""
DEFAULT_ADMIN_USER = "provcloud"


@dataclass(frozen=True)
class StackSettings:
    catalogue: Path
    """The province catalogue; a relative path is taken from the project root (`provinces/<slug>.yml`)."""
    kube_context: str | None = None
    """The kubeconfig context of the province's cluster; absent: the kubeconfig's current context."""
    admin_user: str = DEFAULT_ADMIN_USER
    """The automation account cloud-init creates on every service VM (Ansible logs in as it)."""
    ssh_authorized_keys: tuple[str, ...] = field(default_factory=tuple)
    """Public keys of the automation account (the catalogue's operators get their own accounts)."""

    @classmethod
    def from_config(cls) -> "StackSettings":
        config = pulumi.Config(PROJECT)
        keys = config.get("sshAuthorizedKeys")
        try:
            parsed_keys = json.loads(keys) if keys else []
        except json.JSONDecodeError as error:
            raise UserError(f"{PROJECT}:sshAuthorizedKeys must be a list of public keys: {error}") from error
        if not isinstance(parsed_keys, list) or not all(isinstance(key, str) for key in parsed_keys):
            raise UserError(f"{PROJECT}:sshAuthorizedKeys must be a list of public keys")
        catalogue = Path(config.require("catalogue"))
        return cls(
            catalogue=catalogue if catalogue.is_absolute() else project_root() / catalogue,
            kube_context=config.get("kubeContext") or None,
            admin_user=config.get("adminUser") or DEFAULT_ADMIN_USER,
            ssh_authorized_keys=tuple(parsed_keys),
        )
