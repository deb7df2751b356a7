"""Where a message goes next, by the recipient's OrganId.

Under QĐ 20/2020 an OrganId's last part names the province (`000.05.00.H29`: H29, Hồ Chí Minh City).
A province's node delivers to its own agencies and hands everything else to the national peer; the
national peer looks the province up in its routing table, a YAML file:

    # province code: the province node's exchange endpoint
    provinces:
      H49: http://lgsp.quangninh.example:8480
      H29: http://lgsp.hcmc.example:8480
"""

import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import yaml

from provcloud.errors import UserError

PROVINCE_CODE = re.compile(r"[A-Z][0-9]{2}")


def province_of(organ_id: str) -> str:
    """The province part of an OrganId; UserError when it has none."""
    last = organ_id.rsplit(".", 1)[-1]
    if "." not in organ_id or not PROVINCE_CODE.fullmatch(last):
        raise UserError(f"OrganId {organ_id!r} does not end in a province code (like 000.05.00.H29)")
    return last


class NoRoute(UserError):
    """No destination is known for a recipient."""


@dataclass(frozen=True)
class RoutingTable:
    """The national peer's table: province code -> that province node's endpoint."""

    provinces: dict[str, str]

    def endpoint(self, organ_id: str) -> str:
        province = province_of(organ_id)
        if province not in self.provinces:
            raise NoRoute(f"no province node for {organ_id} (province {province}) in the routing table")
        return self.provinces[province]


def _valid_endpoint(value: object) -> bool:
    if not isinstance(value, str):
        return False
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.hostname) and parts.path in ("", "/")


def load_routing_table(path: Path) -> RoutingTable:
    """The table in `path`; UserError naming file:line and field on a mistake."""
    try:
        text = path.read_text()
    except OSError as error:
        raise UserError(f"{path}: cannot read the routing table: {error.strerror}") from None
    try:
        root = yaml.compose(text)
    except yaml.YAMLError as error:
        raise UserError(f"{path}: not YAML: {error}") from None
    if not isinstance(root, yaml.MappingNode):
        raise UserError(f"{path}:1: the routing table is a mapping with one key, provinces")
    keys = {key.value: (key, value) for key, value in root.value}
    if set(keys) != {"provinces"} or not isinstance(keys["provinces"][1], yaml.MappingNode):
        raise UserError(f"{path}:{root.start_mark.line + 1}: the routing table has one key, provinces (a mapping)")
    provinces: dict[str, str] = {}
    for key, value in keys["provinces"][1].value:
        where = f"{path}:{key.start_mark.line + 1}: provinces.{key.value}"
        if not PROVINCE_CODE.fullmatch(str(key.value)):
            raise UserError(f"{where}: not a province code (a letter and two digits, like H49)")
        if key.value in provinces:
            raise UserError(f"{where}: listed twice")
        if not isinstance(value, yaml.ScalarNode) or not _valid_endpoint(value.value):
            raise UserError(f"{where}: the endpoint must be an http(s) URL with no path, like http://10.49.0.5:8480")
        provinces[key.value] = value.value.rstrip("/")
    return RoutingTable(provinces)


@dataclass(frozen=True)
class ProvinceRoutes:
    """A province node's routing: its own agencies here, every other province through the national peer."""

    province: str
    local: str
    """This node's own endpoint (agency to agency inside the province: no national hop)."""
    national: str

    def endpoint(self, organ_id: str) -> str:
        return self.local if province_of(organ_id) == self.province else self.national
