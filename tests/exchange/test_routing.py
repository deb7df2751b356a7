"""Routing by the recipient's OrganId: the province part, the national table, clear errors."""

from pathlib import Path

import pytest

from provcloud.errors import UserError
from provcloud.exchange.routing import NoRoute, ProvinceRoutes, load_routing_table, province_of

TABLE = "provinces:\n  H49: http://127.0.0.1:8001\n  H29: http://127.0.0.1:8002/\n"


def test_the_province_is_the_last_part_of_the_organ_id() -> None:
    assert province_of("000.05.00.H29") == "H29"
    with pytest.raises(UserError, match="does not end in a province code"):
        province_of("000.05.00")


def test_the_national_peer_routes_by_province(tmp_path: Path) -> None:
    (tmp_path / "routes.yml").write_text(TABLE)
    table = load_routing_table(tmp_path / "routes.yml")
    assert table.endpoint("000.05.00.H29") == "http://127.0.0.1:8002"
    with pytest.raises(NoRoute, match=r"no province node for 000.01.00.H01 \(province H01\)"):
        table.endpoint("000.01.00.H01")


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("provinces:\n  H49: ftp://x\n", r"routes.yml:2: provinces.H49: the endpoint must be an http\(s\) URL"),
        ("provinces:\n  H49: http://x/api\n", r"routes.yml:2: provinces.H49: the endpoint must be"),
        ("provinces:\n  Quang Ninh: http://x\n", r"routes.yml:2: provinces.Quang Ninh: not a province code"),
        ("province:\n  H49: http://x\n", r"routes.yml:1: the routing table has one key, provinces"),
        ("- H49\n", r"routes.yml:1: the routing table is a mapping"),
    ],
)
def test_mistakes_in_the_table_name_file_line_and_field(tmp_path: Path, text: str, error: str) -> None:
    (tmp_path / "routes.yml").write_text(text)
    with pytest.raises(UserError, match=error):
        load_routing_table(tmp_path / "routes.yml")


def test_inside_a_province_there_is_no_national_hop() -> None:
    routes = ProvinceRoutes("H49", local="http://h49", national="http://national")
    assert routes.endpoint("000.07.00.H49") == "http://h49"
    assert routes.endpoint("000.05.00.H29") == "http://national"
