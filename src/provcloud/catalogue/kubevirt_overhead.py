"""The memory KubeVirt's virt-launcher pod asks for beyond the guest's own, as
`GetMemoryOverhead` computes it (kubevirt/kubevirt pkg/virt-controller/services/renderresources.go,
constants in pkg/hypervisor/kvm/hypervisorbackend.go at d923fdb, the release whose API definitions
provcloud vendors) for the VMs provcloud declares: amd64, one IO thread, the graphics
device KubeVirt attaches by default, no VFIO, SEV, TPM or downward metrics. The pod's memory request
— guest plus overhead — is what a namespace's `requests.memory` quota is charged."""

from decimal import Decimal

MIB = Decimal(2) ** 20

FIXED = {
    "virt-launcher-monitor": 25,
    "virt-launcher": 100,
    "virtlogd": 25,
    "virtqemud": 40,
    "qemu": 50,
}
"""MiB, the `ps` RSS of each process KubeVirt counts (VirtLauncherMonitorOverhead, …, QemuOverhead)."""
PER_VCPU_MIB = 8
IOTHREAD_MIB = 8
VIDEO_RAM_MIB = 32
PAGETABLE_DIVISOR = 512
"""Page tables: one byte per 512 bytes of guest memory."""


def memory_overhead(guest_memory: Decimal, vcpus: int) -> Decimal:
    """Bytes virt-launcher adds to a VM of `guest_memory` bytes and `vcpus` virtual CPUs."""
    fixed = sum(FIXED.values()) + PER_VCPU_MIB * vcpus + IOTHREAD_MIB + VIDEO_RAM_MIB
    return guest_memory / PAGETABLE_DIVISOR + fixed * MIB
