"""The benchmark's floor: the same Kubernetes objects the platform stack declares, registered
directly with pulumi_kubernetes — no ComponentResources — under the same config and mock runtime.
Dependencies match the stack's: objects wait for their namespace, VMs for their platform namespace."""

import pulumi
import pulumi_kubernetes as k8s

from provcloud.platform.objects import declare, declare_all
from provcloud.platform.program import load_stack_province
from provcloud.platform.province import province_object_groups
from provcloud.platform.settings import StackSettings

settings = StackSettings.from_config()
province = load_stack_province(settings)
provider = k8s.Provider("kubernetes", context=settings.kube_context)
opts = pulumi.ResourceOptions(provider=provider)
namespaces: dict[str, pulumi.Resource] = {}
for group in province_object_groups(province, settings):
    first = group[0]
    if first["kind"] == "VirtualMachine":
        declare(
            first,
            pulumi.ResourceOptions.merge(
                opts, pulumi.ResourceOptions(depends_on=[namespaces[first["metadata"]["namespace"]]])
            ),
        )
        continue
    declared = declare_all(group, opts)
    if first["kind"] == "Namespace":
        namespaces[first["metadata"]["name"]] = declared[0]
