"""What a hosted province reads from its provider's stack, through a StackReference: the VM sizes and
storage classes offered, and its allotment (the quota each of its namespaces carries).

The reference names `organization/provcloud-provider/<provider>` (the self-managed backend's
organization, the provider stack's project, the provider's slug). A province that needs an output
the provider does not export, or a size or storage class the provider does not offer, fails with a
message naming the output, the provider stack and its catalogue file."""

from dataclasses import dataclass
from typing import Any

import pulumi

from provcloud.catalogue import Province
from provcloud.provider.settings import provider_stack_name

REQUIRED_OUTPUTS = ("sizes", "storageClasses", "allotments")


@dataclass(frozen=True)
class ProviderOffer:
    sizes: dict[str, Any]
    storage_classes: dict[str, Any]
    allotment: dict[str, Any]

    @property
    def namespace_quota(self) -> dict[str, str]:
        return dict(self.allotment["namespaceQuota"])


class OfferError(pulumi.RunError):
    """The provider's stack does not give what the province needs (a user's mistake: no traceback)."""


def checked_offer(outputs: dict[str, Any], province: Province) -> ProviderOffer:
    """The offer in a provider stack's outputs, or an error naming what is missing and where."""
    assert province.hosting is not None
    provider = province.hosting.provider
    stack = provider_stack_name(provider)
    where = f"provider stack {stack} (stacks/provider/, providers/{provider}.yml)"
    for key in REQUIRED_OUTPUTS:
        if key not in outputs:
            exported = ", ".join(sorted(outputs)) or "none"
            raise OfferError(
                f"province {province.slug} reads output {key!r} of {where}, which does not export it "
                f"(its outputs: {exported}); run `provcloud plan --provider {provider}` and the provider's `pulumi up`"
            )
    allotments = outputs["allotments"]
    if province.slug not in allotments:
        raise OfferError(f"{where} exports no allotment for province {province.slug} (output allotments)")
    allotment = allotments[province.slug]
    if "namespaceQuota" not in allotment:
        raise OfferError(f"{where}: output allotments.{province.slug} has no namespaceQuota")
    offer = ProviderOffer(dict(outputs["sizes"]), dict(outputs["storageClasses"]), dict(allotment))
    for machine in province.service_machines:
        if machine.size not in offer.sizes:
            raise OfferError(
                f"service machine {machine.name} of province {province.slug} is size {machine.size!r}, which "
                f"{where} does not offer (output sizes: {', '.join(sorted(offer.sizes))})"
            )
    for storage_class in province.platform.storage_classes:
        if storage_class.name not in offer.storage_classes:
            raise OfferError(
                f"province {province.slug} uses storage class {storage_class.name!r}, which {where} does not "
                f"offer (output storageClasses: {', '.join(sorted(offer.storage_classes))})"
            )
    return offer


def read_offer(province: Province) -> "pulumi.Output[ProviderOffer]":
    """The provider's offer, read once per program from its stack."""
    assert province.hosting is not None
    reference = pulumi.StackReference(provider_stack_name(province.hosting.provider))
    return reference.outputs.apply(lambda outputs: checked_offer(dict(outputs), province))
