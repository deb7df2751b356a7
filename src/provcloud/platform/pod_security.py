"""Pod Security Admission labels: enforce a level, warn and audit `restricted`, pinned to the
cluster's Kubernetes version so an upgrade never changes what is enforced by surprise."""

from provcloud.catalogue import Province

RESTRICTED = "restricted"
BASELINE = "baseline"


def pod_security_labels(province: Province, enforce: str = RESTRICTED) -> dict[str, str]:
    version = f"v{province.platform.kubernetes_version}"
    labels: dict[str, str] = {}
    for mode, level in (("enforce", enforce), ("warn", RESTRICTED), ("audit", RESTRICTED)):
        labels[f"pod-security.kubernetes.io/{mode}"] = level
        labels[f"pod-security.kubernetes.io/{mode}-version"] = version
    return labels
