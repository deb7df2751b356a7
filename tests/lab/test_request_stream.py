"""The fault tests' measure (provcloud.lab.request_stream, no root): what an agency saw of an outage."""

import itertools
import time

from provcloud.lab.request_stream import Outage, RequestStream, Sample


def stream_of(*answers: tuple[float, bool]) -> RequestStream:
    requests = RequestStream(lambda: True)
    requests.samples.extend(Sample(at, ok, "") for at, ok in answers)
    return requests


def test_an_outage_runs_from_the_last_answer_before_to_the_first_answer_after() -> None:
    requests = stream_of((0.0, True), (0.1, True), (0.2, False), (0.3, False), (1.9, False), (2.0, True), (2.1, True))
    assert requests.outage() == Outage(requests=7, failed=3, seconds=2.0 - 0.1)
    assert requests.outage(since=2.0) == Outage(requests=2, failed=0, seconds=0.0)


def test_an_outage_with_no_answer_after_it_lasts_to_the_last_request() -> None:
    assert stream_of((0.0, True), (0.5, False), (1.5, False)).outage().seconds == 1.5


def test_a_request_that_raises_is_a_failure_and_the_stream_goes_on() -> None:
    answers = itertools.chain([True, False], itertools.repeat(True))

    def send() -> bool:
        if not next(answers):
            raise ConnectionRefusedError("no route")
        return True

    with RequestStream(send, interval=0.01) as requests:
        moment = time.monotonic()
        assert requests.wait_answered(moment, timeout=2)
        time.sleep(0.05)
    failed = [sample for sample in requests.samples if not sample.ok]
    assert len(failed) == 1 and failed[0].detail == "ConnectionRefusedError: no route"
    assert requests.samples[-1].ok
