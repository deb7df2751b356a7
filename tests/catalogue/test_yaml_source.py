"""Catalogue YAML reads by the YAML 1.2 core schema and keeps positions."""

import pytest

from provcloud.catalogue.yaml_source import DuplicateKey, parse, position


def test_scalars_follow_yaml_1_2_core_schema() -> None:
    data, _ = parse("a: yes\nb: 010\nc: 2025-07-01\nd: 0o17\ne: 0x1F\nf: on\ng: true\nh: ~\ni: 1.5\nj: '48'\n")
    assert data == {
        "a": "yes",
        "b": 10,
        "c": "2025-07-01",
        "d": 15,
        "e": 31,
        "f": "on",
        "g": True,
        "h": None,
        "i": 1.5,
        "j": "48",
    }


def test_duplicate_key_names_both_lines() -> None:
    with pytest.raises(DuplicateKey) as caught:
        parse("zones:\n  dmz: 1\n  dmz: 2\n")
    assert (caught.value.key, caught.value.line, caught.value.column, caught.value.first_line) == ("dmz", 3, 3, 2)


def test_position_follows_maps_and_lists_and_keeps_a_missing_last_field() -> None:
    _, root = parse("agencies:\n  - name: A\n    tier: small\n  - name: B\n")
    assert root is not None
    assert position(root, ("agencies", 0, "tier"), at_key=False) == (("agencies", 0, "tier"), 3, 11)
    assert position(root, ("agencies", 0, "tier"), at_key=True) == (("agencies", 0, "tier"), 3, 5)
    assert position(root, ("agencies", 1, "tier"), at_key=False) == (("agencies", 1, "tier"), 4, 5)
    assert position(root, ("agencies", 1, "function-after[x]", "name"), at_key=False) == (
        ("agencies", 1, "name"),
        4,
        11,
    )
