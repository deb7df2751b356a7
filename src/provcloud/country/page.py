"""The national compliance report of `provcloud country report`: one static HTML page with every asset
inside it (the style, the script for sorting and filtering, each province's topology SVG) and the same
content as Markdown, from the country run's results — nothing is planned again. Templates are
`templates/country-report/`, rendered by jinja2 with autoescape on: catalogue text is untrusted."""

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from provcloud.country.baseline import Baseline
from provcloud.country.drift import Deviation, drift_of
from provcloud.country.profile import ProvinceProfile
from provcloud.country.result import OWN_CLUSTER, ProvinceResult
from provcloud.country.topology import KIND_NAMES, ROLE_NAMES, topology_svg

TEMPLATES = Path("templates") / "country-report"
REGIONS = Path("templates") / "register" / "regions.yml"
NO_REGION = "not in the register"
"""The region of an illustrative province (a code the register does not assign)."""
HTML_FILE = "index.html"
MARKDOWN_FILE = "report.md"
ASSETS = ("report.css", "report.js")
"""The page's own style and script, inlined (the page has no external reference)."""
PICTURES = "provinces"
"""Below the report folder: `<slug>.svg`, which the Markdown links to."""


@dataclass
class ProvinceView:
    result: ProvinceResult
    region: str
    drift: list[Deviation] = field(default_factory=list)
    svg: str = ""

    @property
    def profile(self) -> ProvinceProfile | None:
        return self.result.profile

    @property
    def levels(self) -> list[int]:
        return sorted(self.profile.tenants_by_level) if self.profile else []

    @property
    def highest_level(self) -> int:
        return max(self.levels, default=0)


@dataclass(frozen=True)
class WrittenReport:
    html: str
    markdown: str
    provinces: list[ProvinceView]


def regions(root: Path) -> dict[str, str]:
    """Administrative-unit code → its socio-economic region."""
    data = yaml.safe_load((root / REGIONS).read_text(encoding="utf-8")) or {}
    return {str(code): str(region) for code, region in data.items()}


def province_views(results: Iterable[ProvinceResult], baseline: Baseline, root: Path) -> list[ProvinceView]:
    by_code = regions(root)
    views = []
    for result in results:
        profile = result.profile
        region = by_code.get(profile.admin_unit_code, NO_REGION) if profile else NO_REGION
        view = ProvinceView(result, region)
        if profile is not None:
            view.drift = drift_of(result.slug, result.file, profile, baseline)
            view.svg = topology_svg(result.slug, result.host, profile)
        views.append(view)
    return views


def hosts(views: list[ProvinceView]) -> list[tuple[str, list[ProvinceView]]]:
    """Provinces on their own cluster first, then those of each provider under its name."""
    groups: dict[str, list[ProvinceView]] = {OWN_CLUSTER: []}
    for view in views:
        groups.setdefault(view.result.host, []).append(view)
    return [(host, members) for host, members in groups.items() if members]


def _markdown_cell(value: object) -> str:
    """Text for a Markdown table cell: its pipes escaped, on one line (HTML-escaped by autoescape)."""
    return str(value).replace("|", "\\|").replace("\n", " ")


def _environment(root: Path) -> Environment:
    environment = Environment(
        loader=FileSystemLoader(root / TEMPLATES),
        autoescape=True,  # every template, the Markdown one too: a renderer shows raw HTML in Markdown
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    environment.filters["cell"] = _markdown_cell
    environment.globals.update(role_names=ROLE_NAMES, kind_names=KIND_NAMES, own=OWN_CLUSTER)
    return environment


def write_report(out_dir: Path, results: list[ProvinceResult], baseline: Baseline, root: Path) -> WrittenReport:
    views = province_views(results, baseline, root)
    environment = _environment(root)
    assets = {
        name: Markup((root / TEMPLATES / name).read_text(encoding="utf-8")) for name in ("report.css", "report.js")
    }
    context = {
        "baseline": baseline,
        "views": views,
        "hosts": hosts(views),
        "regions": sorted({view.region for view in views}),
        "levels": sorted({level for view in views for level in view.levels}),
        "pictures": PICTURES,
        **{name.replace(".", "_"): text for name, text in assets.items()},
    }
    (out_dir / PICTURES).mkdir(parents=True, exist_ok=True)
    for view in views:
        if view.svg:
            (out_dir / PICTURES / f"{view.result.slug}.svg").write_text(view.svg, encoding="utf-8")
    # The SVG is Graphviz's output of escaped labels: embedded as markup, not escaped again.
    inline = {view.result.slug: Markup(view.svg) for view in views}
    html = environment.get_template("report.html.j2").render(**context, inline_svg=inline)
    (out_dir / HTML_FILE).write_text(html, encoding="utf-8")
    markdown = environment.get_template("report.md.j2").render(**context)
    (out_dir / MARKDOWN_FILE).write_text(markdown, encoding="utf-8")
    return WrittenReport(HTML_FILE, MARKDOWN_FILE, views)
