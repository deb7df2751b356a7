"""The provider stack's configuration (`stacks/provider/Pulumi.<provider>.yaml`)."""

from dataclasses import dataclass
from pathlib import Path

import pulumi

from provcloud.project import project_root

PROJECT = "provcloud-provider"
"""The Pulumi project name; config keys are `provcloud-provider:<key>`."""
ORGANIZATION = "organization"
"""The organization of a self-managed backend (`pulumi login file://…`, s3://…): hosted provinces
reference the provider's stack as `organization/provcloud-provider/<provider>`."""


def provider_stack_name(provider: str) -> str:
    """The fully qualified name a hosted province's StackReference reads."""
    return f"{ORGANIZATION}/{PROJECT}/{provider}"


@dataclass(frozen=True)
class ProviderSettings:
    catalogue: Path
    """The provider catalogue (`providers/<slug>.yml`); relative: from the project root."""
    kube_context: str | None = None
    """The kubeconfig context of the provider's cluster admin; absent: the current context."""

    @classmethod
    def from_config(cls) -> "ProviderSettings":
        config = pulumi.Config(PROJECT)
        catalogue = Path(config.require("catalogue"))
        return cls(
            catalogue=catalogue if catalogue.is_absolute() else project_root() / catalogue,
            kube_context=config.get("kubeContext") or None,
        )
