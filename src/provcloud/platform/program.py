"""The platform stack program, run by `stacks/platform/__main__.py` under `pulumi up/preview` and
by `provcloud plan` under the mock runtime."""

from pathlib import Path

import pulumi
import pulumi_kubernetes as k8s

from provcloud.catalogue import CatalogueError, Province, load_province
from provcloud.errors import UserError
from provcloud.platform.province import ProvincePlatform
from provcloud.platform.settings import StackSettings

_VALIDATED: dict[tuple[Path, int], Province] = {}


def share_validated(file: Path, province: Province) -> None:
    """Hand an already validated catalogue to the program when it runs in this process
    (`provcloud plan`), so a large catalogue is not parsed twice. Keyed by the file's path and
    modification time: an edited file is loaded again."""
    _VALIDATED[(file.resolve(), file.stat().st_mtime_ns)] = province


def load_stack_province(settings: StackSettings) -> Province:
    """The stack's catalogue; a user mistake becomes one clear error, not a traceback."""
    if settings.catalogue.is_file():
        shared = _VALIDATED.get((settings.catalogue.resolve(), settings.catalogue.stat().st_mtime_ns))
        if shared is not None:
            return shared
    if not settings.catalogue.is_file():
        raise UserError(
            f"the stack's catalogue {settings.catalogue} does not exist (config provcloud-platform:catalogue)"
        )
    try:
        return load_province(settings.catalogue)
    except CatalogueError as error:
        raise UserError("\n".join(str(problem) for problem in error.problems)) from error


def main() -> ProvincePlatform:
    try:
        settings = StackSettings.from_config()
        province = load_stack_province(settings)
    except UserError as error:
        # pulumi shows a RunError as a message without a Python traceback.
        raise pulumi.RunError(str(error)) from error
    if not settings.ssh_authorized_keys and not province.operators:
        pulumi.log.warn(
            "no SSH key for the service VMs: set provcloud-platform:sshAuthorizedKeys "
            "or list operators in the catalogue"
        )
    provider = k8s.Provider("kubernetes", context=settings.kube_context)
    platform = ProvincePlatform(province, settings, pulumi.ResourceOptions(providers={"kubernetes": provider}))
    pulumi.export("tenants", platform.tenants)
    pulumi.export("serviceMachines", platform.service_machines)
    pulumi.export("objectCounts", platform.object_counts)
    return platform
