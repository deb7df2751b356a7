"""The lab's Debian package proxy: apt-cacher-ng on the host, one process per lab.

It listens only on the lab's bridge addresses, serves only the Debian archive and security suites
(`ForceManaged`: no request to any other host is forwarded, no CONNECT tunnels), and fetches from
the mirror the host itself uses. Its requests to that mirror are the only traffic of the lab that
leaves the host.
"""

import os
import pwd
import socket
import subprocess
import time
from pathlib import Path
from urllib.parse import urlsplit

from provcloud.errors import UserError
from provcloud.lab.host import OwnedProcess
from provcloud.lab.mirror import Mirror
from provcloud.lab.paths import cache_dir, lab_dir
from provcloud.lab.plan import Proxy

PROXY_USER = "apt-cacher-ng"
"""The proxy drops root and runs as the Debian package's own user when it exists."""


def proxy_dir(slug: str) -> Path:
    return lab_dir(slug) / "proxy"


def proxy_cache_dir(slug: str) -> Path:
    """Downloaded packages survive `lab down` (a cache); one per lab, so labs never share a writer."""
    return cache_dir() / "apt-cacher-ng" / slug


def _host_path(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.hostname}{parts.path.rstrip('/')}"


def proxy_config(slug: str, proxy: Proxy, mirror: Mirror) -> dict[str, str]:
    """File name → text of the proxy's configuration folder."""
    addresses = " ".join(str(address) for address in proxy.addresses)
    lines = [
        f"# provcloud lab {slug}: the machines' Debian package proxy (generated; removed by `lab down`)",
        f"CacheDir: {proxy_cache_dir(slug)}",
        f"LogDir: {proxy_dir(slug) / 'log'}",
        "SupportDir: /usr/lib/apt-cacher-ng",
        f"Port: {proxy.port}",
        f"BindAddress: {addresses}",
        "ForeGround: 1",
        "ForceManaged: 1",
        "PassThroughPattern: ^$",
        "ForwardBtsSoap: 0",
        "ReportPage: acng-report.html",
        "ExThreshold: 4",
        "UnbufferLogs: 1",
        # Serves index files checked in the last 5 minutes without asking upstream — but apt asks
        # for revalidation of its index files, so every machine's refresh still goes upstream.
        # Concurrent refreshes of a stale index raced here ("Failure to move file ... out of the
        # way") and answered a machine with an error that hung its apt: the common role refreshes
        # through a proxy one machine at a time.
        "FreshIndexMaxAge: 300",
        f"Remap-debrep: {_host_path(mirror.archive)} file:deb_mirror*.gz /debian ; file:backends_debian",
    ]
    files = {"backends_debian": mirror.archive + "\n"}
    if mirror.security:
        security = _host_path(mirror.security)
        lines.append(
            f"Remap-secdeb: {security} security.debian.org/debian-security /debian-security ; file:backends_security"
        )
        files["backends_security"] = mirror.security + "\n"
    files["acng.conf"] = "\n".join(lines) + "\n"
    return files


def start_proxy(slug: str, proxy: Proxy, mirror: Mirror) -> OwnedProcess:
    folder = proxy_dir(slug)
    (folder / "log").mkdir(parents=True, exist_ok=True)
    proxy_cache_dir(slug).mkdir(parents=True, exist_ok=True)
    for name, text in proxy_config(slug, proxy, mirror).items():
        (folder / name).write_text(text)
    user: pwd.struct_passwd | None
    try:
        user = pwd.getpwnam(PROXY_USER)
    except KeyError:
        user = None
    if user is not None:
        for path in (folder, folder / "log", proxy_cache_dir(slug)):
            os.chown(path, user.pw_uid, user.pw_gid)
    with open(folder / "log" / "stdout.log", "ab") as log:
        process = subprocess.Popen(
            ["apt-cacher-ng", "-c", str(folder)],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            user=user.pw_uid if user else None,
            group=user.pw_gid if user else None,
            extra_groups=[] if user else None,
        )
    owned = OwnedProcess.of(process.pid)
    wait_for_proxy(proxy, owned, folder / "log" / "stdout.log")
    return owned


def proxy_listening(proxy: Proxy) -> bool:
    try:
        with socket.create_connection((str(proxy.addresses[0]), proxy.port), timeout=1):
            return True
    except OSError:
        return False


def wait_for_proxy(proxy: Proxy, process: OwnedProcess, log: Path, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proxy_listening(proxy):
            return
        if not process.alive():
            break
        time.sleep(0.2)
    tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
    process.stop()
    raise UserError(f"the package proxy did not start on {proxy.url} (log {log}):\n{tail}")
