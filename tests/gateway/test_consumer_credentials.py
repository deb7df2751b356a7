"""A consumer agency's credentials on the controller, as `provcloud demo` and the lab tests read them."""

from ipaddress import IPv4Address
from pathlib import Path

import pytest

from conftest import ROOT
from provcloud.catalogue import load_province
from provcloud.errors import UserError
from provcloud.gateway import consumer_credentials, consumers, lgsp_node
from provcloud.lab.tenant_client import bridge_of, source_address


def test_missing_credentials_name_the_folder_and_what_is_missing(tmp_path: Path) -> None:
    folder = tmp_path / "consumers" / "vp-ubnd"
    folder.mkdir(parents=True)
    (folder / "client.crt").write_text("-----BEGIN CERTIFICATE-----\n")
    with pytest.raises(UserError) as raised:
        consumer_credentials(tmp_path, "vp-ubnd")
    message = str(raised.value)
    assert str(folder) in message
    assert "ca.crt" in message and "client.key" in message and "token" in message
    assert "client.crt" not in message.split("—")[0].split(":")[1]


def test_the_token_is_the_first_word_of_its_file(tmp_path: Path) -> None:
    folder = tmp_path / "consumers" / "so-khcn"
    folder.mkdir(parents=True)
    for name in ("ca.crt", "client.crt", "client.key"):
        (folder / name).write_text("x")
    (folder / "token").write_text("Tk3n0fS0khcn\n")
    assert consumer_credentials(tmp_path, "so-khcn").token == "Tk3n0fS0khcn"


def test_demo_consumers_their_addresses_and_the_node() -> None:
    province = load_province(ROOT / "provinces" / "demo.yml")
    assert [agency.slug for agency in consumers(province)] == ["vp-ubnd", "so-khcn", "so-tu-phap", "xa-son-thuy"]
    vp_ubnd = province.agencies_by_slug["vp-ubnd"]
    assert source_address(vp_ubnd) == IPv4Address("198.18.4.11")
    assert bridge_of(province, IPv4Address("198.18.4.11")) == "demo-tnt"
    assert lgsp_node(province).name == "lgsp-01"
    with pytest.raises(UserError, match="in none of the zones"):
        bridge_of(province, IPv4Address("192.0.2.1"))
