"""The host plays an agency's system in the lab: it takes the agency's source address on the
tenants' bridge for the time of a request, then gives it back."""

from collections.abc import Iterator
from contextlib import contextmanager
from ipaddress import IPv4Address, IPv4Network

from provcloud.catalogue import Province
from provcloud.catalogue.agency import Agency
from provcloud.errors import UserError
from provcloud.lab.host import run


def source_address(agency: Agency) -> IPv4Address:
    """The first address of the agency's allow-list."""
    if not agency.source_addresses:
        raise UserError(f"agency {agency.slug} has no source_addresses: the LGSP node refuses every call from it")
    network = agency.source_addresses[0]
    return network.network_address if network.prefixlen == 32 else next(network.hosts())


def bridge_of(province: Province, address: IPv4Address) -> str:
    for zone in province.network.zones.values():
        if address in zone.cidr:
            return zone.bridge
    raise UserError(f"{address} is in none of the zones of {province.slug}: the lab cannot take it on the host")


def _addresses(bridge: str) -> set[str]:
    listing = run("ip", "-4", "-o", "addr", "show", "dev", bridge).stdout
    return {line.split()[3].split("/")[0] for line in listing.splitlines() if len(line.split()) > 3}


@contextmanager
def tenant_address(province: Province, address: IPv4Address) -> Iterator[IPv4Address]:
    """`address`/32 on the host's bridge of the zone holding it, removed again afterwards."""
    bridge = bridge_of(province, address)
    present = str(address) in _addresses(bridge)
    if not present:
        run("ip", "addr", "add", f"{IPv4Network(address)}", "dev", bridge)
    try:
        yield address
    finally:
        if not present:
            run("ip", "addr", "del", f"{IPv4Network(address)}", "dev", bridge, check=False)
