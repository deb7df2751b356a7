"""A private copy of the demo province for a second lab beside it (docs/lab.md): another slug,
other bridge names, other addresses — so development, benchmarks and tests never touch `demo`."""

from pathlib import Path

DEMO_ZONES = 5
"""dmz, app, data, mgmt, tenants: 198.18.0–4.x in demo."""


def write_dev_copy(
    demo: Path, folder: Path, slug: str, bridge_prefix: str, zone_base: int, national_third: int
) -> Path:
    """Write `<folder>/<slug>.yml`: demo with zones moved to 198.18.<zone_base + n>.x and the
    national zone to 198.19.<national_third>.x."""
    text = demo.read_text(encoding="utf-8")
    text = text.replace("slug: demo", f"slug: {slug}").replace("bridge: demo-", f"bridge: {bridge_prefix}-")
    for zone in range(DEMO_ZONES):
        text = text.replace(f"198.18.{zone}.", f"198.18.{zone_base + zone}.")
    text = text.replace("198.19.255.", f"198.19.{national_third}.")
    path = folder / f"{slug}.yml"
    path.write_text(text, encoding="utf-8")
    return path
