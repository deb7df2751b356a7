"""Benchmark the document system (results go in BENCHMARKS.md).

- the wheelhouse: a cold build (empty cache, pip's cache off) and a warm one (intact, reused);
- on a converged lab (root; the province named by $PROVCLOUD_BENCH_DOCSYSTEM, e.g. `demo` after
  `make demo`, skipped when unset): an idempotent re-converge of the document system, the median
  upload + download latency of 50 small documents through the LGSP node, a backup and a restore.
"""

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from provcloud.catalogue import load_province  # noqa: E402
from provcloud.catalogue.service_machine import MachineRole  # noqa: E402
from provcloud.controller_state import state_dir  # noqa: E402
from provcloud.docsystem_client import SERVICE, AgencyClient, docsystem_state, sample_pdf  # noqa: E402
from provcloud.gateway import consumer_credentials, lgsp_node  # noqa: E402
from provcloud.lab.paths import known_hosts, ssh_key  # noqa: E402
from provcloud.lab.plan import ADMIN_USER  # noqa: E402
from provcloud.lab.tenant_client import source_address, tenant_address  # noqa: E402
from provcloud.project import catalogue_file  # noqa: E402
from provcloud.wheelhouse import build  # noqa: E402

PYTHON = "/usr/bin/python3"
BIN = Path(sys.executable).parent
REQUIREMENTS = ["mayan-edms==4.12.2", "psycopg2==2.9.13", "celery[redis]==5.6.3"]
DOCUMENTS = 50


def wheelhouse() -> list[tuple[str, float]]:
    with tempfile.TemporaryDirectory(prefix="provcloud-bench-wheelhouse-") as folder:
        os.environ["PIP_NO_CACHE_DIR"] = "1"
        started = time.monotonic()
        cold = build(REQUIREMENTS, python=PYTHON, cache=Path(folder))
        cold_seconds = time.monotonic() - started
        started = time.monotonic()
        warm = build(REQUIREMENTS, python=PYTHON, cache=Path(folder))
        warm_seconds = time.monotonic() - started
        assert cold.built and not warm.built
        size = cold.archive.stat().st_size / 2**20
        return [
            (f"wheelhouse build, cold ({len(cold.wheels())} wheels, archive {size:.0f} MiB)", cold_seconds),
            ("wheelhouse build, warm (intact: checked and reused)", warm_seconds),
        ]


def ssh(address: str, slug: str, command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["ssh", "-i", str(ssh_key(slug)), "-o", f"UserKnownHostsFile={known_hosts(slug)}", "-o", "BatchMode=yes",
         f"{ADMIN_USER}@{address}", command],
        capture_output=True, text=True, check=True, timeout=1800,
    )  # fmt: skip


def timed(command: list[str], env: dict[str, str] | None = None) -> float:
    started = time.monotonic()
    result = subprocess.run(command, cwd=ROOT, env={**os.environ, **(env or {})}, capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"`{' '.join(command)}` failed:\n{result.stdout[-3000:]}\n{result.stderr[-2000:]}")
    return time.monotonic() - started


def lab(province_name: str) -> list[tuple[str, float]]:
    file = catalogue_file(province_name)
    province = load_province(file)
    state = state_dir(province.slug)
    docsystem = docsystem_state(state)
    service = next(s for a in province.agencies for s in a.services if s.name == SERVICE)
    agency = province.agencies_by_slug[service.consumers[0]]
    objects = docsystem.agencies[agency.slug]
    client = AgencyClient(
        node=lgsp_node(province).ip,
        service_path=service.path,
        credentials=consumer_credentials(state, agency.slug),
        docsystem_token=docsystem.token(agency.slug),
        source=source_address(agency),
    )
    rows = [
        (
            "docsystem re-converge (idempotent; --limit docsystem_app --tags docsystem)",
            timed([str(BIN / "provcloud"), "configure", str(file), "--limit", "docsystem_app", "--tags", "docsystem"]),
        )
    ]
    latencies = []
    # The same address the client was given: tenant_address wants it typed, the client takes any form.
    with tenant_address(province, source_address(agency)):
        for number in range(DOCUMENTS):
            content = sample_pdf(f"bench {number} {time.time()}")
            started = time.monotonic()
            document_id = client.store(objects["cabinet_id"], objects["document_type_id"], f"b{number}.pdf", content)
            file_id = client.wait_for_file(document_id)
            answer, fetched = client.download(document_id, file_id)
            latencies.append(time.monotonic() - started)
            assert answer.status == 200 and fetched == content
    rows.append(
        (f"upload + stored + download through the LGSP node, median of {DOCUMENTS}", statistics.median(latencies))
    )
    rows.append((f"… 90th percentile of {DOCUMENTS}", statistics.quantiles(latencies, n=10)[-1]))
    backup = province.machines_with_role(MachineRole.backup)[0]
    started = time.monotonic()
    ssh(str(backup.ip), province.slug, "sudo systemctl start provcloud-backup.service")
    rows.append(("backup (dump + documents, encrypted, pulled by the backup machine)", time.monotonic() - started))
    status = json.loads(ssh(str(backup.ip), province.slug, "sudo provcloud-backup-status").stdout)
    inventory = ROOT / "inventories" / province.slug
    if not inventory.is_dir():
        inventory = state / "inventory"
    rows.append(
        (
            f"restore of backup {status['newest']} (fetch, decrypt, drop + restore database and documents, restart)",
            timed(
                [str(BIN / "ansible-playbook"), "-i", str(inventory), "playbooks/restore.yml"],
                env={"ANSIBLE_CONFIG": str(ROOT / "ansible.cfg"), "PATH": f"{BIN}:{os.environ['PATH']}"},
            ),
        )
    )
    return rows


def main() -> None:
    rows = wheelhouse()
    province = os.environ.get("PROVCLOUD_BENCH_DOCSYSTEM")
    if province and os.geteuid() == 0:
        rows += lab(province)
    else:
        print("bench/docsystem.py: lab part skipped (set PROVCLOUD_BENCH_DOCSYSTEM=<converged lab province>, as root)")
    load = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    print(f"| measure | seconds |\n|---|---:|  (load average at the end: {load})")
    for name, seconds in rows:
        print(f"| {name} | {seconds:.2f} |")


if __name__ == "__main__":
    main()
