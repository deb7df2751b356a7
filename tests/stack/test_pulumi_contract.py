"""The contract between `provcloud plan` and Pulumi's SDK. The plan's mock run reaches into the SDK's
runtime for speed; all of that reach is in one adapter, src/provcloud/plan/capture.py. When a Pulumi
release changes what the adapter relies on, these tests fail and say so, instead of the plan quietly
meaning something else."""

import asyncio
import inspect
from pathlib import Path
from typing import Any

import pulumi
import pulumi.runtime.resource as runtime_resource
from pulumi.runtime import mocks, rpc, settings, stack
from pulumi.runtime.proto import resource_pb2, source_pb2

from provcloud.plan.capture import run_program

ADAPTER = "src/provcloud/plan/capture.py (the Pulumi adapter)"
PROGRAM = """
import pulumi
import pulumi_kubernetes as k8s

class Box(pulumi.ComponentResource):
    def __init__(self, name):
        super().__init__("test:index:Box", name, None, None)
        ns = k8s.core.v1.Namespace(name, metadata={"name": name}, opts=pulumi.ResourceOptions(parent=self))
        k8s.core.v1.ConfigMap(f"{name}/settings", metadata={"name": "settings", "namespace": name},
                              data={"level": "3"}, opts=pulumi.ResourceOptions(parent=self, depends_on=[ns]))
        self.register_outputs({})

Box("so-khcn")
pulumi.export("answer", 42)
"""


def test_the_runtime_parts_the_adapter_reaches_still_exist() -> None:
    missing = [
        name
        for name, present in {
            "pulumi.runtime.mocks.MockMonitor.RegisterResource": hasattr(mocks.MockMonitor, "RegisterResource"),
            "pulumi.runtime.mocks.MockMonitor.make_urn": hasattr(mocks.MockMonitor, "make_urn"),
            "pulumi.runtime.resource._get_stack_trace": callable(getattr(runtime_resource, "_get_stack_trace", None)),
            "pulumi.runtime.rpc.deserialize_properties": callable(getattr(rpc, "deserialize_properties", None)),
            "pulumi.runtime.settings.reset_options": callable(getattr(settings, "reset_options", None)),
            "pulumi.runtime.settings.get_root_resource": callable(getattr(settings, "get_root_resource", None)),
            "pulumi.runtime.stack.wait_for_rpcs": callable(getattr(stack, "wait_for_rpcs", None)),
            "source_pb2.StackTrace": hasattr(source_pb2, "StackTrace"),
        }.items()
        if not present
    ]
    assert not missing, f"{ADAPTER} relies on what this Pulumi release no longer has: {missing}"


def test_the_register_messages_carry_the_fields_the_adapter_reads() -> None:
    request = set(resource_pb2.RegisterResourceRequest.DESCRIPTOR.fields_by_name)
    response = set(resource_pb2.RegisterResourceResponse.DESCRIPTOR.fields_by_name)
    wanted_request = {"type", "name", "parent", "custom", "object", "dependencies"}
    wanted_response = {"urn", "id", "object"}
    assert wanted_request <= request and wanted_response <= response, (
        f"{ADAPTER}: RegisterResource messages changed: request lacks {wanted_request - request}, "
        f"response lacks {wanted_response - response}"
    )
    assert "monitor" in inspect.signature(pulumi.runtime.set_mocks).parameters, (
        f"{ADAPTER} passes its own monitor to pulumi.runtime.set_mocks(monitor=...), which this release lacks"
    )


class _Recording(pulumi.runtime.Mocks):
    def __init__(self) -> None:
        self.seen: list[tuple[str, str, dict[str, Any]]] = []

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        self.seen.append((args.typ, args.name, dict(args.inputs)))
        return f"{args.name}-id", dict(args.inputs)

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]] | None]:
        return {}, None


def test_the_adapter_captures_what_the_public_mock_api_sees(tmp_path: Path) -> None:
    program = tmp_path / "__main__.py"
    program.write_text(PROGRAM, encoding="utf-8")
    captured = run_program(program, {}, "contract", "test")

    recording = _Recording()
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)  # run_program leaves none behind; the public path wants the thread's loop
    pulumi.runtime.set_mocks(recording, project="contract", stack="test", preview=True)
    try:
        namespace: dict[str, Any] = {}
        exec(compile(PROGRAM, str(program), "exec"), namespace)  # the public path: the SDK's own MockMonitor

        @pulumi.runtime.test  # type: ignore[untyped-decorator]  # the SDK's decorator carries no types
        def settle() -> None:
            return None

        settle()
    finally:
        settings.reset_options()
        loop.close()
        asyncio.set_event_loop(None)

    public = sorted((typ, name, inputs) for typ, name, inputs in recording.seen if typ.startswith("kubernetes:"))
    ours = sorted((r.type, r.name, r.inputs) for r in captured.resources if r.custom)
    assert len(public) == 2, f"the public mock API saw {public}"
    assert ours == public, f"{ADAPTER} captures other resources or inputs than Pulumi's public mock API"
    config_map = next(r for r in captured.resources if r.type == "kubernetes:core/v1:ConfigMap")
    namespace_urn = next(r.urn for r in captured.resources if r.type == "kubernetes:core/v1:Namespace")
    assert namespace_urn in config_map.dependencies, f"{ADAPTER} no longer records depends_on"
    assert captured.outputs == {"answer": 42}, f"{ADAPTER} reads stack outputs differently: {captured.outputs}"
