"""Cloud-init for the service VMs, rendered from `templates/cloud-init/`: the admin and operator
accounts with their SSH keys, the package proxy, time sources, and the catalogue's static address."""

import hashlib
from functools import cache
from pathlib import Path

import jinja2

from provcloud.catalogue import Province, ServiceMachine
from provcloud.project import templates_dir


@cache
def _environment(folder: Path) -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(folder),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        autoescape=False,
    )


def render(template: str, **context: object) -> str:
    return _environment(templates_dir() / "cloud-init").get_template(template).render(**context)


def user_data(province: Province, machine: ServiceMachine, admin_user: str, admin_keys: tuple[str, ...]) -> str:
    return render(
        "user-data.yaml.j2",
        machine=machine,
        fqdn=province.machine_fqdn(machine),
        admin_user=admin_user,
        admin_keys=list(admin_keys),
        operators=province.operators,
        time_sources=province.time_sources,
        apt_proxy=province.platform.apt_proxy,
    )


def mac_address(province: Province, machine: ServiceMachine) -> str:
    """The machine's interface MAC: locally administered (02:…), derived from the province and machine
    names so it stays the same across runs and differs between machines. The VirtualMachine sets it
    and the network-config matches it."""
    digest = hashlib.sha256(f"{province.slug}/{machine.name}".encode()).digest()
    return ":".join(f"{byte:02x}" for byte in (0x02, *digest[:5]))


def network_config(province: Province, machine: ServiceMachine) -> str:
    zone = province.network.zones[machine.zone]
    return render(
        "network-config.yaml.j2",
        machine=machine,
        interface=province.machine_interface(machine),
        mac_address=mac_address(province, machine),
        prefix_length=zone.cidr.prefixlen,
        gateway=zone.gateway,
        dns_servers=[str(server) for server in province.dns.servers],
        dns_domain=province.dns.domain,
    )
