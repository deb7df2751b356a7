"""What `provcloud configure`/`restore` prints for a failed task: a command's own reason, not
Ansible's "non-zero return code"."""

from provcloud.ansible.converge import failure_message


def test_a_failed_command_shows_the_end_of_its_stderr() -> None:
    result = {
        "msg": "non-zero return code",
        "rc": 1,
        "stderr": "line 1\nbackup X: a: not signed\nbackup X: b: not signed",
    }
    assert failure_message(result) == "line 1; backup X: a: not signed; backup X: b: not signed"


def test_only_the_last_lines_of_a_long_stderr() -> None:
    result = {"msg": "non-zero return code", "stderr": "\n".join(f"line {n}" for n in range(20))}
    assert failure_message(result) == "line 15; line 16; line 17; line 18; line 19"


def test_a_module_message_is_kept() -> None:
    assert failure_message({"msg": "the CA is about to expire", "stderr": "noise"}) == "the CA is about to expire"
    assert failure_message({"msg": "non-zero return code"}) == "non-zero return code"
