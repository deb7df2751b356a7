"""The platform stack's components: ProvincePlatform, AgencyTenant, Guardrails, ServiceVM."""

from provcloud.platform.guardrails import Guardrails
from provcloud.platform.platform_namespace import PlatformNamespace
from provcloud.platform.province import ProvincePlatform
from provcloud.platform.service_vm import ServiceVM
from provcloud.platform.settings import PROJECT, StackSettings
from provcloud.platform.tenant import AgencyTenant

__all__ = [
    "PROJECT",
    "AgencyTenant",
    "Guardrails",
    "PlatformNamespace",
    "ProvincePlatform",
    "ServiceVM",
    "StackSettings",
]
