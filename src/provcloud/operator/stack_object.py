"""One Pulumi Kubernetes Operator `Stack` object (pulumi.com/v1) per Pulumi stack of the country: a
province's platform stack, or a provider's stack its hosted provinces wait for.

What the operator runs is what the repository's branch holds: the stack program and its stack file
(`stacks/platform/Pulumi.<slug>.yaml`), from the self-managed backend the plans assume. Every
credential is a reference to a Secret the team creates in the operator's namespace; provcloud never
writes a secret. The names of those Secrets are part of the contract (docs/operator.md)."""

from dataclasses import dataclass
from typing import Any

from provcloud.catalogue import Province
from provcloud.plan.stack_config import PROVIDER_STACK_DIR, STACK_DIR
from provcloud.platform import labels
from provcloud.platform.settings import PROJECT as PLATFORM_PROJECT
from provcloud.provider.settings import ORGANIZATION
from provcloud.provider.settings import PROJECT as PROVIDER_PROJECT

DEFAULT_REPO = "https://git.provcloud.test/provcloud/provcloud.git"
"""Illustrative: the ministry's clone of this repository (`--repo`)."""
DEFAULT_BRANCH = "main"
DEFAULT_BACKEND = "s3://provcloud-state"
"""Illustrative: the self-managed backend every stack shares, so hosted provinces' StackReferences
read their provider's state (`--backend`; an S3-compatible store in the data centre)."""
DEFAULT_NAMESPACE = "provcloud-operator"
DEFAULT_IMAGE = "registry.provcloud.test/provcloud/workspace:latest"
"""Illustrative: a workspace image holding the `pulumi` CLI and provcloud with its pinned Pulumi SDKs."""
DEFAULT_RESYNC_SECONDS = 3600
MIN_RESYNC_SECONDS = 60
"""The operator treats anything below 60 s as 60 s (the CRD's `resyncFrequencySeconds`)."""

SERVICE_ACCOUNT = "provcloud-stacks"
GIT_SECRET = "provcloud-git"
STATE_SECRET = "provcloud-state"
KUBECONFIG_DIR = "/var/run/provcloud/kubeconfig"
WORKSPACE_CONTAINER = "pulumi"
"""The container of the operator's workspace pod that runs `pulumi`."""


@dataclass(frozen=True)
class OperatorSettings:
    """Where the operator fetches the program, keeps state, and how often it looks for drift."""

    repo: str = DEFAULT_REPO
    branch: str = DEFAULT_BRANCH
    backend: str = DEFAULT_BACKEND
    namespace: str = DEFAULT_NAMESPACE
    image: str = DEFAULT_IMAGE
    resync_seconds: int = DEFAULT_RESYNC_SECONDS
    preview: bool = False
    """Detect drift only (`pulumi preview --refresh`), never correct it."""


@dataclass(frozen=True)
class StackTarget:
    """One Pulumi stack the operator runs."""

    name: str
    """The Stack object's name (the CRD allows at most 42 characters)."""
    project: str
    stack: str
    repo_dir: str
    labels: dict[str, str]
    after: str | None = None
    """The Stack object that must have succeeded first (a hosted province's provider)."""

    @property
    def secret_prefix(self) -> str:
        return f"{self.name}-"


def provider_target(provider: str) -> StackTarget:
    return StackTarget(
        f"provider-{provider}", PROVIDER_PROJECT, provider, PROVIDER_STACK_DIR.as_posix(), {labels.PROVIDER: provider}
    )


def province_target(province: Province) -> StackTarget:
    after = provider_target(province.hosting.provider).name if province.hosting is not None else None
    return StackTarget(
        f"platform-{province.slug}",
        PLATFORM_PROJECT,
        province.slug,
        STACK_DIR.as_posix(),
        {labels.PROVINCE: province.slug},
        after,
    )


def _secret(name: str, key: str) -> dict[str, Any]:
    return {"type": "Secret", "secret": {"name": name, "key": key}}


def stack_object(target: StackTarget, settings: OperatorSettings) -> dict[str, Any]:
    env = {
        # The passphrase secrets provider of the stack file's salt (`pulumi stack init --secrets-provider passphrase`).
        "PULUMI_CONFIG_PASSPHRASE": _secret(f"{target.secret_prefix}passphrase", "passphrase"),
        # The stack's credential for its cluster: the province's own, or the one its provider issued.
        "KUBECONFIG": {"type": "Literal", "literal": {"value": f"{KUBECONFIG_DIR}/config"}},
    }
    if settings.backend.startswith("s3://"):
        env["AWS_ACCESS_KEY_ID"] = _secret(STATE_SECRET, "accessKeyId")
        env["AWS_SECRET_ACCESS_KEY"] = _secret(STATE_SECRET, "secretAccessKey")
    spec: dict[str, Any] = {
        "stack": f"{ORGANIZATION}/{target.project}/{target.stack}",
        "projectRepo": settings.repo,
        "branch": settings.branch,
        "repoDir": target.repo_dir,
        "gitAuth": {"accessToken": _secret(GIT_SECRET, "accessToken")},
        "backend": settings.backend,
        "secretsProvider": "passphrase",
        "envRefs": env,
        # Drift: refresh from the cluster before every run, and run again every resync period even
        # when the branch has not moved (without it the operator runs a commit once).
        "refresh": True,
        "continueResyncOnCommitMatch": True,
        "resyncFrequencySeconds": settings.resync_seconds,
        "preview": settings.preview,
        # The stack and its salt are in the stack file: the operator must not create another.
        "useLocalStackOnly": True,
        "destroyOnFinalize": False,
        "serviceAccountName": SERVICE_ACCOUNT,
        "workspaceTemplate": {
            "spec": {
                "image": settings.image,
                "podTemplate": {
                    "spec": {
                        "containers": [
                            {
                                "name": WORKSPACE_CONTAINER,
                                "volumeMounts": [{"name": "kubeconfig", "mountPath": KUBECONFIG_DIR, "readOnly": True}],
                            }
                        ],
                        "volumes": [
                            {"name": "kubeconfig", "secret": {"secretName": f"{target.secret_prefix}kubeconfig"}}
                        ],
                    }
                },
            }
        },
    }
    if target.after is not None:
        spec["prerequisites"] = [
            {"name": target.after, "requirement": {"succeededWithinDuration": f"{2 * settings.resync_seconds}s"}}
        ]
    return {
        "apiVersion": "pulumi.com/v1",
        "kind": "Stack",
        "metadata": {"name": target.name, "namespace": settings.namespace, "labels": target.labels},
        "spec": spec,
    }
