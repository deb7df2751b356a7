"""Synthetic provinces for scale tests and benchmarks: Vietnamese names, valid codes, any size."""

import itertools
import random
from collections.abc import Iterator
from ipaddress import IPv4Network
from typing import Any

# Decree 150/2025: the departments every province has (the inspectorate and the People's Committee
# office are agencies of their own kinds), then the optional ones.
DEPARTMENTS = (
    "Sở Nội vụ",
    "Sở Tư pháp",
    "Sở Tài chính",
    "Sở Công Thương",
    "Sở Nông nghiệp và Môi trường",
    "Sở Xây dựng",
    "Sở Khoa học và Công nghệ",
    "Sở Văn hóa, Thể thao và Du lịch",
    "Sở Giáo dục và Đào tạo",
    "Sở Y tế",
    "Sở Ngoại vụ",
    "Sở Dân tộc và Tôn giáo",
)
SYLLABLES = (
    "Hòa", "Sơn", "Bình", "Phước", "Thạnh", "Tân", "Đông", "Tây", "Nam", "Bắc", "Long", "An",
    "Hưng", "Thủy", "Mỹ", "Lộc", "Quế", "Điện", "Duy", "Hội", "Phú", "Khánh", "Đức", "Vĩnh",
)  # fmt: skip
UNIT_KINDS = ("Trung tâm", "Ban Quản lý", "Bệnh viện", "Trường Cao đẳng")


def _place_names(rng: random.Random) -> Iterator[str]:
    """Distinct place names of two, then three syllables, then numbered."""
    for width in (2, 3):
        combos = [" ".join(c) for c in itertools.permutations(SYLLABLES, width)]
        rng.shuffle(combos)
        yield from combos
    for n in itertools.count(1):
        yield f"Hòa Bình {n}"


def synthesize(agencies: int, seed: int = 0, slug: str = "synth") -> dict[str, Any]:
    """A valid province catalogue (as plain data) with `agencies` agencies."""
    rng = random.Random(seed)
    level1 = "H98"
    names = _place_names(rng)
    egress = IPv4Network("10.98.128.0/17").hosts()
    entries: list[dict[str, Any]] = []

    def add(name: str, kind: str, tier: str, **extra: Any) -> None:
        n = len(entries) + 1
        entry: dict[str, Any] = {
            "name": name,
            "org_code": f"000.{n // 100:02d}.{n % 100:02d}.{level1}",
            "kind": kind,
            "tier": tier,
            "systems": [{"name": f"Hệ thống thông tin {n}", "security_level": rng.choice((2, 2, 3, 3, 4))}],
            "source_addresses": [f"{next(egress)}/32"],
            **extra,
        }
        entries.append(entry)

    add("Văn phòng Ủy ban nhân dân tỉnh", "people_committee_office", "medium", slug="vp-ubnd")
    add("Thanh tra tỉnh", "inspectorate", "small")
    add("Hội đồng nhân dân tỉnh", "council", "small", slug="hdnd")
    for name in DEPARTMENTS:
        if len(entries) >= agencies:
            break
        add(name, "department", "large")
    commune_number = 0
    while len(entries) < agencies:
        if len(entries) % 10 == 9:
            add(f"{rng.choice(UNIT_KINDS)} {next(names)}", "public_service_unit", "small")
            continue
        commune_number += 1
        kind_word = "Phường" if commune_number % 4 == 0 else "Xã"
        add(
            f"{kind_word} {next(names)}",
            "commune",
            "small",
            admin_unit_code=f"{commune_number:05d}",
        )
    entries = entries[:agencies]
    _publish_services(entries, rng)
    return _province(slug, entries)


def _publish_services(entries: list[dict[str, Any]], rng: random.Random) -> None:
    """Every department publishes one service that a handful of agencies consume."""
    from provcloud.catalogue.slug import slugify

    slugs = [e.get("slug") or slugify(e["name"]) for e in entries]
    for i, entry in enumerate(entries):
        if entry["kind"] != "department":
            continue
        name = f"dv-{i:04d}"
        entry["services"] = [
            {
                "name": name,
                "path": f"/{name}/v1",
                "upstream": f"http://10.98.1.{10 + i % 200}:8080/{name}",
                "consumers": sorted(set(rng.sample(slugs, k=min(5, len(slugs))))),
            }
        ]


def _province(slug: str, agencies: list[dict[str, Any]]) -> dict[str, Any]:
    def zone(third: int, vlan: int) -> dict[str, Any]:
        return {
            "cidr": f"10.98.{third}.0/24",
            "gateway": f"10.98.{third}.1",
            "vlan": vlan,
            "bridge": f"syn-{vlan}",
        }

    return {
        "slug": slug,
        "name": "Tỉnh Tổng Hợp",
        "admin_unit_code": "98",
        "org_code": "000.00.00.H98",
        "security_level": 3,
        "platform": {
            "kubernetes_version": "1.31",
            "registry_mirror": "registry.synth.example.vn",
            "ingress_domain": "apps.synth.example.vn",
            "oidc": {"issuer": "https://sso.synth.example.vn/realms/synth"},
            "os_image": {"url": "http://mirror.synth.example.vn/debian-12-genericcloud-amd64.qcow2"},
            "storage_classes": [{"name": "standard"}, {"name": "fast-ssd", "tiers": ["large"]}],
            "instance_types": {
                "medium": {"cpu": 2, "memory": "4Gi"},
                "large": {"cpu": 4, "memory": "8Gi"},
            },
        },
        "network": {
            "zones": {
                "dmz": zone(0, 110),
                "app": zone(1, 120),
                "data": zone(2, 130),
                "mgmt": zone(3, 140),
            },
            "tenant_egress": ["10.98.128.0/17"],
        },
        "service_machines": [
            {
                "name": "lgsp-01",
                "role": "lgsp_node",
                "zone": "dmz",
                "ip": "10.98.0.10",
                "size": "medium",
            },
            {
                "name": "docsys-app-01",
                "role": "docsystem_app",
                "zone": "app",
                "ip": "10.98.1.10",
                "size": "large",
            },
            {
                "name": "docsys-db-01",
                "role": "docsystem_db",
                "zone": "data",
                "ip": "10.98.2.10",
                "size": "large",
            },
            {
                "name": "backup-01",
                "role": "backup",
                "zone": "mgmt",
                "ip": "10.98.3.10",
                "size": "medium",
            },
        ],
        "national_platform": {"endpoint": "https://ndxp.example.vn"},
        "time_sources": ["10.98.3.2", "10.98.3.3"],
        "dns": {"domain": "synth.example.vn", "servers": ["10.98.3.2", "10.98.3.3"]},
        "quota_tiers": {
            "small": {"cpu": "2", "memory": "5Gi", "storage": "50Gi", "pods": 20, "vms": 1},
            "medium": {"cpu": "4", "memory": "9Gi", "storage": "200Gi", "pods": 50, "vms": 2},
            "large": {"cpu": "8", "memory": "18Gi", "storage": "500Gi", "pods": 100, "vms": 4},
        },
        "agencies": agencies,
    }
