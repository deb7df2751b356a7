"""Pod security checks of the Multi-Tenancy Benchmark, on every workload the stack declares (Pods and
the controllers that create them). Each check returns what is wrong, or None."""

from collections.abc import Callable, Mapping
from typing import Any

from pulumi_policy import EnforcementLevel, ReportViolation, ResourceValidationArgs, ResourceValidationPolicy

from provcloud_policies._resources import MTB_URL, containers, display, framework, pod_spec

PodCheck = Callable[[Mapping[str, Any]], list[str]]
"""Given a pod spec, the problems found (each naming the container or field)."""


def workload_policy(name: str, description: str, check: PodCheck, fix: str) -> ResourceValidationPolicy:
    def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
        spec = pod_spec(args.resource_type, args.props)
        if spec is None:
            return
        for problem in check(spec):
            report_violation(f"{display(args.resource_type, args.props)}: {problem}; {fix}", None)

    return ResourceValidationPolicy(
        name=name,
        description=description,
        validate=validate,
        enforcement_level=EnforcementLevel.MANDATORY,
        framework=framework(name),
        url=f"{MTB_URL}/{name}",
    )


def _security_context(container: Mapping[str, Any]) -> Mapping[str, Any]:
    value = container.get("securityContext")
    return value if isinstance(value, Mapping) else {}


def _privileged(spec: Mapping[str, Any]) -> list[str]:
    return [
        f"container {c.get('name')} is privileged" for c in containers(spec) if _security_context(c).get("privileged")
    ]


def _host_path(spec: Mapping[str, Any]) -> list[str]:
    return [f"volume {v.get('name')} mounts a hostPath" for v in spec.get("volumes") or [] if v.get("hostPath")]


def _host_network_and_ports(spec: Mapping[str, Any]) -> list[str]:
    problems = ["hostNetwork is true"] if spec.get("hostNetwork") else []
    for container in containers(spec):
        for port in container.get("ports") or []:
            if port.get("hostPort"):
                problems.append(f"container {container.get('name')} binds hostPort {port['hostPort']}")
    return problems


def _host_pid(spec: Mapping[str, Any]) -> list[str]:
    return ["hostPID is true"] if spec.get("hostPID") else []


def _host_ipc(spec: Mapping[str, Any]) -> list[str]:
    return ["hostIPC is true"] if spec.get("hostIPC") else []


def _add_capabilities(spec: Mapping[str, Any]) -> list[str]:
    problems = []
    for container in containers(spec):
        added = (_security_context(container).get("capabilities") or {}).get("add") or []
        extra = [cap for cap in added if cap != "NET_BIND_SERVICE"]
        if extra:
            problems.append(f"container {container.get('name')} adds capabilities {', '.join(extra)}")
    return problems


def _run_as_non_root(spec: Mapping[str, Any]) -> list[str]:
    pod_level = (spec.get("securityContext") or {}).get("runAsNonRoot")
    problems = []
    for container in containers(spec):
        context = _security_context(container)
        non_root = context.get("runAsNonRoot", pod_level)
        if not non_root or context.get("runAsUser") == 0:
            problems.append(f"container {container.get('name')} may run as root")
    return problems


def _privilege_escalation(spec: Mapping[str, Any]) -> list[str]:
    return [
        f"container {c.get('name')} allows privilege escalation"
        for c in containers(spec)
        if _security_context(c).get("allowPrivilegeEscalation") is not False
    ]


POLICIES = [
    workload_policy(
        "block_privileged_containers",
        "Tenants cannot run privileged containers.",
        _privileged,
        "remove securityContext.privileged",
    ),
    workload_policy(
        "block_use_of_host_path",
        "Tenants cannot mount host paths.",
        _host_path,
        "use a PersistentVolumeClaim or an emptyDir instead",
    ),
    workload_policy(
        "block_use_of_host_networking_and_ports",
        "Tenants cannot use the node's network or bind its ports.",
        _host_network_and_ports,
        "use the pod network and a Service",
    ),
    workload_policy(
        "block_use_of_host_pid", "Tenants cannot share the node's process namespace.", _host_pid, "remove hostPID"
    ),
    workload_policy(
        "block_use_of_host_ipc", "Tenants cannot share the node's IPC namespace.", _host_ipc, "remove hostIPC"
    ),
    workload_policy(
        "block_add_capabilities",
        "Tenants cannot add Linux capabilities (NET_BIND_SERVICE excepted, as Pod Security `restricted` allows).",
        _add_capabilities,
        "drop them from securityContext.capabilities.add",
    ),
    workload_policy(
        "require_run_as_non_root_user",
        "Tenant containers must run as a non-root user.",
        _run_as_non_root,
        "set securityContext.runAsNonRoot: true (and a non-zero runAsUser)",
    ),
    workload_policy(
        "block_privilege_escalation",
        "Tenant containers must not allow privilege escalation.",
        _privilege_escalation,
        "set securityContext.allowPrivilegeEscalation: false",
    ),
]
