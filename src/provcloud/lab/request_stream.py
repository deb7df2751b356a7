"""A steady stream of authenticated requests to one address, for the fault tests and the failover
bench: a new connection per request, as an agency's system reconnects after a broken one, every
`interval` seconds, each with a short timeout — and what each got, when.

An outage is measured from the last answered request before the first failure to the first answered
request after the last failure: what an agency saw, to within one interval.
"""

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from types import TracebackType
from typing import ClassVar


@dataclass(frozen=True)
class Sample:
    at: float
    """time.monotonic() when the request was sent."""
    ok: bool
    detail: str


@dataclass(frozen=True)
class Outage:
    requests: int
    failed: int
    seconds: float
    """0 when nothing failed."""
    noun: str = "requests"
    """What was sent: requests, or the write stream's writes."""

    def __str__(self) -> str:
        return f"{self.failed} of {self.requests} {self.noun} failed, for {self.seconds:.1f} s"


class Samples:
    """What a stream saw, in the order sent: the request stream's answers, the write stream's
    commits (provcloud.lab.database_failover). Each stream, a dataclass, declares both fields."""

    interval: float
    samples: list[Sample]
    noun: ClassVar[str] = "requests"

    def answered_since(self, moment: float) -> bool:
        return any(sample.ok for sample in list(self.samples) if sample.at >= moment)

    def outage(self, since: float = 0.0) -> Outage:
        return outage_of(list(self.samples), since, self.noun)

    def wait_answered(self, moment: float, timeout: float) -> bool:
        """Whether a request sent after `moment` was answered within `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.answered_since(moment):
                return True
            time.sleep(self.interval)
        return False


@dataclass
class RequestStream(Samples):
    """`send()` returns whether the request was answered as it should be; an exception is a failure."""

    send: Callable[[], bool]
    interval: float = 0.1
    samples: list[Sample] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def __enter__(self) -> "RequestStream":
        self._thread = threading.Thread(target=self._run, name="request-stream", daemon=True)
        self._thread.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()

    def _run(self) -> None:
        while not self._stop.is_set():
            started = time.monotonic()
            try:
                ok, detail = self.send(), ""
            except Exception as error:  # every failure of a request is a sample, never the end of the stream
                ok, detail = False, f"{type(error).__name__}: {error}"
            self.samples.append(Sample(started, ok, detail))
            self._stop.wait(max(0.0, self.interval - (time.monotonic() - started)))


def outage_of(samples: list[Sample], since: float = 0.0, noun: str = "requests") -> Outage:
    """The outage `samples` (in the order sent) show from `since` on."""
    samples = [sample for sample in samples if sample.at >= since]
    failed = [index for index, sample in enumerate(samples) if not sample.ok]
    if not failed:
        return Outage(len(samples), 0, 0.0, noun)
    before = next((samples[i].at for i in range(failed[0] - 1, -1, -1) if samples[i].ok), samples[0].at)
    after = next((samples[i].at for i in range(failed[-1] + 1, len(samples)) if samples[i].ok), samples[-1].at)
    return Outage(len(samples), len(failed), after - before, noun)
