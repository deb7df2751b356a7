"""`provcloud plan` is a gate: a change to the stack program that breaks tenant isolation makes it
fail, naming the policy and the object. Each test edits a copy of the project's stack program as a
developer would, then runs the real command on it."""

from pathlib import Path

import pytest

from conftest import run_provcloud
from plan_helpers import STACK_PROGRAM_HEADER as HEADER
from plan_helpers import plan_edited_program, project_copy

MUTATIONS = {
    "remove-default-deny": (
        # A tenant loses its default-deny NetworkPolicy.
        "import provcloud.platform.tenant as tenant\n"
        "original = tenant.tenant_network_policies\n"
        "def without_deny(province, namespace):\n"
        "    policies = original(province, namespace)\n"
        "    if namespace == 'demo-so-tu-phap':\n"
        "        policies = [p for p in policies if p['metadata']['name'] != 'default-deny']\n"
        "    return policies\n"
        "tenant.tenant_network_policies = without_deny\n" + HEADER + "main()\n",
        "create_network_policies",
        "tenant namespace demo-so-tu-phap has no default-deny ingress NetworkPolicy",
    ),
    "cluster-role-binding-to-tenant-group": (
        HEADER + "import pulumi_kubernetes as k8s\n"
        "main()\n"
        "k8s.rbac.v1.ClusterRoleBinding('tenant-reads-cluster',\n"
        "    metadata={'name': 'tenant-reads-cluster'},\n"
        "    role_ref={'apiGroup': 'rbac.authorization.k8s.io', 'kind': 'ClusterRole', 'name': 'view'},\n"
        "    subjects=[{'apiGroup': 'rbac.authorization.k8s.io', 'kind': 'Group',\n"
        "               'name': 'oidc:demo-so-khcn-admins'}])\n",
        "block_access_to_cluster_resources",
        "ClusterRoleBinding tenant-reads-cluster grants cluster-wide access to Group oidc:demo-so-khcn-admins, "
        "a subject of tenant demo-so-khcn",
    ),
    "allow-node-ports-in-quota": (
        "import provcloud.platform.tenant as tenant\n"
        "original = tenant.resource_quota\n"
        "def generous(*args):\n"
        "    quota = original(*args)\n"
        "    quota['spec']['hard']['services.nodeports'] = '2'\n"
        "    return quota\n"
        "tenant.resource_quota = generous\n" + HEADER + "main()\n",
        "block_use_of_nodeport_services",
        "ResourceQuota demo-vp-ubnd/tenant-quota allows services.nodeports = 2: "
        "tenant quotas must set services.nodeports: '0'",
    ),
    "node-port-service": (
        HEADER + "import pulumi_kubernetes as k8s\n"
        "main()\n"
        "k8s.core.v1.Service('web', metadata={'name': 'web', 'namespace': 'demo-xa-son-thuy'},\n"
        "    spec={'type': 'NodePort', 'selector': {'app': 'web'}, 'ports': [{'port': 80}]})\n",
        "block_use_of_nodeport_services",
        "Service demo-xa-son-thuy/web is of type NodePort: tenants may not expose node ports",
    ),
}


@pytest.mark.parametrize("mutation", sorted(MUTATIONS))
def test_breaking_isolation_fails_the_plan_with_the_policy_message(tmp_path: Path, mutation: str) -> None:
    program, policy, message = MUTATIONS[mutation]
    result = plan_edited_program(tmp_path, program)
    assert result.returncode == 1, result.stdout + result.stderr
    assert policy in result.stderr
    assert message in " ".join(result.stderr.split()), result.stderr
    assert "Traceback" not in result.stderr


def test_the_unchanged_program_passes_in_the_same_copy(tmp_path: Path) -> None:
    result = run_provcloud("plan", "demo", cwd=project_copy(tmp_path))
    assert result.returncode == 0, result.stderr
    assert "no mandatory violation" in result.stdout
