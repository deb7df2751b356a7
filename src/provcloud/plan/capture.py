"""Run a Pulumi program in-process under Pulumi's mock runtime and capture every resource it
registers, with its inputs, and the stack's outputs.

This module imports nothing from provcloud: `provcloud plan --against REV` runs this very file as a
script with another revision's code on the path, so it must work whatever that code is.

It is also the one adapter between provcloud and Pulumi's internals. For speed it relies on, beyond
the public test surface (`pulumi.runtime.set_mocks`, `Mocks`, `set_all_config`):
`pulumi.runtime.mocks.MockMonitor` (subclassed: `RegisterResource`, `make_urn`, `mocks`; its
`ReadResource` answers a StackReference through `Mocks.new_resource`), the
`RegisterResourceRequest` fields `type`, `name`, `parent`, `custom`, `object`, `dependencies`,
`pulumi.runtime.rpc.deserialize_properties`, `pulumi.runtime.resource._get_stack_trace` (replaced
by an empty trace), `pulumi.runtime.settings.reset_options` / `get_root_resource`, and
`pulumi.runtime.stack.wait_for_rpcs`. tests/stack/test_pulumi_contract.py checks each, and that a
program captured here registers what the public mock API sees.
"""

import argparse
import asyncio
import concurrent.futures
import contextlib
import json
import os
import runpy
import sys
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pulumi
import pulumi.runtime.resource as _runtime_resource
from pulumi.runtime import mocks as _mocks
from pulumi.runtime import rpc as _rpc
from pulumi.runtime import settings as _settings
from pulumi.runtime.proto import resource_pb2, source_pb2

STACK_TYPE = "pulumi:pulumi:Stack"
STACK_REFERENCE_TYPE = "pulumi:pulumi:StackReference"


@dataclass
class CapturedResource:
    urn: str
    type: str
    name: str
    parent: str
    custom: bool
    inputs: dict[str, Any]
    dependencies: list[str] = field(default_factory=list)
    """URNs the engine waits for before creating this resource (depends_on, parents' expansions)."""


@dataclass
class Capture:
    resources: list[CapturedResource] = field(default_factory=list)
    outputs: dict[str, Any] = field(default_factory=dict)


class ProgramError(Exception):
    """The program refused to run (a pulumi.RunError: a user's mistake, with its message)."""


class _Mocks(pulumi.runtime.Mocks):
    def __init__(self, references: dict[str, dict[str, Any]] | None = None) -> None:
        self.references = references or {}
        """Fully qualified stack name → its outputs, for the program's StackReferences."""

    def new_resource(self, args: _mocks.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        if args.typ == STACK_REFERENCE_TYPE:
            # A StackReference is read, not created: its state is the other stack's outputs. A stack
            # the plan was not given has none, so each output the program requires is missing.
            stack = str(args.inputs.get("name") or args.resource_id or args.name)
            return stack, {"name": stack, "outputs": self.references.get(stack, {}), "secretOutputNames": []}
        return f"{args.name}-id", dict(args.inputs)

    def call(self, args: _mocks.MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]] | None]:
        return {}, None


class _CapturingMonitor(_mocks.MockMonitor):
    def __init__(self, mocks: _Mocks) -> None:
        super().__init__(mocks)
        self.captured: list[CapturedResource] = []

    def RegisterResource(self, request: Any) -> Any:
        """Record the resource and answer with its inputs as its state, as a preview would.

        Unlike MockMonitor's, this answers without re-serialising the state through a nested event
        loop: the request already carries it serialised. That keeps the call synchronous and cheap,
        so it can run inline on the event loop instead of on a worker thread."""
        urn = self.make_urn(request.parent, request.type, request.name)
        if request.type == STACK_TYPE:
            return resource_pb2.RegisterResourceResponse(urn=urn)
        self.captured.append(
            CapturedResource(
                urn=urn,
                type=request.type,
                name=request.name,
                parent=request.parent,
                custom=bool(request.custom),
                inputs=_rpc.deserialize_properties(request.object),
                dependencies=sorted(request.dependencies),
            )
        )
        resource_id = f"{request.name}-id" if request.custom else ""
        return resource_pb2.RegisterResourceResponse(urn=urn, id=resource_id, object=request.object)


class _InlineExecutor(concurrent.futures.ThreadPoolExecutor):
    """Runs the SDK's monitor calls inline: with the mock monitor they are plain function calls,
    and handing each to a worker thread costs more (GIL hand-offs) than the call itself."""

    def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> "concurrent.futures.Future[Any]":
        future: concurrent.futures.Future[Any] = concurrent.futures.Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as error:
            future.set_exception(error)
        return future


def _no_stack_trace() -> source_pb2.StackTrace:
    return source_pb2.StackTrace()


@contextlib.contextmanager
def _offline(program_dir: Path, fast: bool) -> Iterator[None]:
    """Run where `pulumi` would (the program's folder); skip recording source positions, which only
    the real engine shows in its diagnostics and which cost a stack walk per resource."""
    previous_dir = Path.cwd()
    previous_trace = _runtime_resource._get_stack_trace
    os.chdir(program_dir)
    if fast:
        _runtime_resource._get_stack_trace = _no_stack_trace
    try:
        yield
    finally:
        _runtime_resource._get_stack_trace = previous_trace
        os.chdir(previous_dir)
        _settings.reset_options()


async def _resolve(value: Any) -> Any:
    if isinstance(value, pulumi.Output):
        return await _resolve(await value.future())
    if isinstance(value, dict):
        return {key: await _resolve(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [await _resolve(item) for item in value]
    return value


def _quiet_run_errors(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
    """A RunError (a user's mistake) that several resources' inputs waited on fails each of them; the
    run reports it once, so its copies left in unawaited futures are not printed as tracebacks."""
    if not isinstance(context.get("exception"), pulumi.RunError):
        loop.default_exception_handler(context)


def run_program(
    program: Path,
    config: dict[str, str],
    project: str,
    stack: str,
    fast: bool = True,
    references: dict[str, dict[str, Any]] | None = None,
) -> Capture:
    """Run `program` (a Pulumi program file) as a preview under mocks with `config` (full keys,
    `project:key` → value as a string) and return what it registered. `references`: the outputs of
    the stacks its StackReferences name (fully qualified name → outputs)."""
    loop = asyncio.new_event_loop()
    loop.set_exception_handler(_quiet_run_errors)
    asyncio.set_event_loop(loop)
    if fast:
        loop.set_default_executor(_InlineExecutor(max_workers=1))
    monitor = _CapturingMonitor(_Mocks(references))
    with _offline(program.parent, fast):
        pulumi.runtime.set_all_config(config)
        pulumi.runtime.set_mocks(monitor.mocks, project=project, stack=stack, preview=True, monitor=monitor)
        try:
            runpy.run_path(str(program), run_name="__main__")
            loop.run_until_complete(pulumi.runtime.stack.wait_for_rpcs())
            root = _settings.get_root_resource()
            outputs = loop.run_until_complete(_resolve(dict(getattr(root, "outputs", {}))))
        except pulumi.RunError as error:
            raise ProgramError(str(error)) from error
        finally:
            loop.close()
            asyncio.set_event_loop(None)
    return Capture(resources=monitor.captured, outputs=outputs)


def main(argv: list[str] | None = None) -> int:
    """Script entry: capture a program and write the capture as JSON (used for other revisions)."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--program", type=Path, required=True)
    parser.add_argument("--project", required=True)
    parser.add_argument("--stack", required=True)
    parser.add_argument("--config", type=Path, required=True, help="JSON file: {full config key: value}")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--references", type=Path, help="JSON file: {stack name: its outputs}")
    args = parser.parse_args(argv)
    config = json.loads(args.config.read_text(encoding="utf-8"))
    references = json.loads(args.references.read_text(encoding="utf-8")) if args.references else None
    try:
        capture = run_program(args.program, config, args.project, args.stack, references=references)
    except ProgramError as error:
        print(f"the program refused to run: {error}", file=sys.stderr)
        return 3
    args.out.write_text(json.dumps(asdict(capture)), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
