#!/usr/bin/python3
"""Check a Patroni configuration with Patroni's own validator, also on a member that runs.

Patroni 3.0's `patroni --validate-config` refuses a listen address whose port accepts connections,
which on a running member is always so: its own REST API and PostgreSQL hold the ports. The copy it
checks here listens on port 0 instead (nothing accepts there); every other part of the file is
checked as written, the store's addresses included (they must answer).

Usage: validate_config.py FILE   (exit status and messages are the validator's)
"""

import subprocess
import sys
import tempfile

import yaml

LISTENING_SECTIONS = ("restapi", "postgresql")


def main(path: str) -> int:
    with open(path) as file:
        config = yaml.safe_load(file)
    for section in LISTENING_SECTIONS:
        listen = config.get(section, {}).get("listen")
        if isinstance(listen, str) and ":" in listen:
            config[section]["listen"] = listen.rpartition(":")[0] + ":0"
    with tempfile.NamedTemporaryFile("w", suffix=".yml") as copy:
        yaml.safe_dump(config, copy)
        copy.flush()
        return subprocess.run(["patroni", "--validate-config", copy.name], check=False).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
