"""The national compliance report as a person sees it: opened in headless Chromium, every province is
on the page, the drift filter leaves exactly the drifting ones, and a screenshot is kept under the
test's output; the page and the Markdown carry every province's facts and name each deviation with
its catalogue file:line; a baseline that contradicts its schema is a file:line error, exit 1."""

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from browser import dom_after_script, needs_chromium, screenshot
from conftest import ROOT, expected_errors, run_provcloud
from country_helpers import unplanned_result
from plan_helpers import project_copy
from provcloud.country.baseline import load_baseline
from provcloud.country.page import HTML_FILE, MARKDOWN_FILE, PICTURES, write_report
from provcloud.project import BASELINE_FILE, catalogue_files

SOME = ("danang", "demo", "rented-alpha")
"""Danang holds the baseline; demo and the hosted rented-alpha run one LGSP node at level 3."""
BASELINE = ROOT / "provinces" / BASELINE_FILE


class Rows(HTMLParser):
    """The province rows and sections of a page's DOM, and whether each is shown."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: dict[str, bool] = {}
        self.sections: dict[str, bool] = {}
        self.groups: dict[str, bool] = {}
        self.external: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        province = attributes.get("data-province")
        if province and tag == "tr":
            self.rows[province] = "hidden" not in attributes
        elif province and tag == "section":
            self.sections[province] = "hidden" not in attributes
        elif attributes.get("data-host-group"):
            self.groups[str(attributes["data-host-group"])] = "hidden" not in attributes
        for name in ("src", "href"):
            value = attributes.get(name) or ""
            if tag in ("script", "link", "img", "iframe") and value and not value.startswith("#"):
                self.external.append(f"<{tag} {name}={value}>")


def rows(dom: str) -> Rows:
    parser = Rows()
    parser.feed(dom)
    return parser


def _line_of(file: Path, text: str, last: bool = False) -> int:
    lines = [n for n, line in enumerate(file.read_text(encoding="utf-8").splitlines(), 1) if text in line]
    return lines[-1] if last else lines[0]


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`provcloud country report` over a few provinces in a copy of the project (its own cache)."""
    project = project_copy(tmp_path_factory.mktemp("project"))
    out = tmp_path_factory.mktemp("report")
    result = run_provcloud("country", "report", "--out", str(out), *SOME, "--jobs", "2", cwd=project)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"with {len(SOME)} provinces, 2 deviation(s)" in " ".join(result.stdout.split()), result.stdout
    return out


@needs_chromium
def test_drift_filter_in_the_browser_leaves_the_drifting_provinces(report: Path) -> None:
    page = report / HTML_FILE
    everything = rows(dom_after_script(page))
    assert sorted(everything.rows) == sorted(SOME), "a table row per province"
    assert all(everything.rows.values()) and all(everything.sections.values()), "unfiltered: all shown"
    drifting = rows(dom_after_script(page, "drift=with"))
    assert drifting.rows == {"danang": False, "demo": True, "rented-alpha": True}
    assert drifting.sections == drifting.rows, "the details follow the filter"
    matching = rows(dom_after_script(page, "drift=without&region=North+Central+and+Central+Coast"))
    assert [slug for slug, shown in matching.rows.items() if shown] == ["danang"]
    assert screenshot(page, report / "report-drift.png", "drift=with").is_file()


@needs_chromium
def test_the_table_sorts_by_a_column_in_the_browser(report: Path) -> None:
    tenants = {slug: unplanned_result(ROOT / "provinces" / f"{slug}.yml").tenants or 0 for slug in SOME}
    by_tenants = sorted(SOME, key=lambda slug: tenants[slug], reverse=True)
    assert list(rows(dom_after_script(report / HTML_FILE, "sort=tenants&order=desc")).rows) == by_tenants
    assert list(rows(dom_after_script(report / HTML_FILE, "sort=province")).rows) == sorted(SOME)


def test_page_has_every_asset_inside_and_every_province_s_facts(report: Path) -> None:
    html = (report / HTML_FILE).read_text(encoding="utf-8")
    parsed = rows(html)
    assert parsed.external == [], f"the page must not load anything: {parsed.external}"
    assert "http://" not in html.split("<svg", 1)[0].replace("http://www.w3.org", ""), "no URL before the pictures"
    assert html.count("<svg") == len(SOME), "each province's picture inline"
    for slug in SOME:
        assert f'id="province-{slug}"' in html
        assert (report / PICTURES / f"{slug}.svg").is_file()
    hosted = html.index("Hosted on provider qtsc")
    assert html.index('id="province-rented-alpha"') > hosted > html.index('id="province-danang"'), (
        "the hosted province under its provider"
    )
    for fact in ("block_privileged_containers", "restrict_tenant_egress", "log_retention", "NDXP", "10.48.0.10"):
        assert fact in html, f"{fact} not in the page"


def test_markdown_names_each_deviation_with_its_catalogue_line(report: Path) -> None:
    markdown = (report / MARKDOWN_FILE).read_text(encoding="utf-8")
    demo = ROOT / "provinces" / "demo.yml"
    alpha = ROOT / "provinces" / "rented-alpha.yml"
    for file in (demo, alpha):
        line = _line_of(file, "role: lgsp_node", last=True)
        expected = f"| redundancy of lgsp_node (level 3) | 2 machines | 1 machine | `provinces/{file.name}:{line}` |"
        assert expected in markdown, f"missing: {expected}"
    assert re.search(r"### danang\n\n.*\n\n\*\*Drift from the baseline:\*\* none\.", markdown)
    for slug in SOME:
        assert f"![topology of {slug}]({PICTURES}/{slug}.svg)" in markdown


def test_the_whole_country_is_on_the_page(tmp_path: Path) -> None:
    """All 34 provinces (and the illustrative ones) from their catalogues, without planning them."""
    results = [unplanned_result(file) for file in catalogue_files(ROOT / "provinces")]
    written = write_report(tmp_path, results, load_baseline(BASELINE), ROOT)
    html = (tmp_path / HTML_FILE).read_text(encoding="utf-8")
    assert len(written.provinces) == len(results) >= 34 + 1
    assert sorted(rows(html).rows) == sorted(r.slug for r in results)
    regions = {view.region for view in written.provinces}
    assert len(regions - {"not in the register"}) == 6, f"the six socio-economic regions: {regions}"


@needs_chromium
def test_the_whole_country_in_the_browser(tmp_path: Path) -> None:
    results = [unplanned_result(file) for file in catalogue_files(ROOT / "provinces")]
    write_report(tmp_path, results, load_baseline(BASELINE), ROOT)
    shown = rows(dom_after_script(tmp_path / HTML_FILE, "level=4"))
    assert len(shown.rows) == len(results)
    with_level_4 = {r.slug for r in results if r.profile and 4 in r.profile.tenants_by_level}
    assert {slug for slug, visible in shown.rows.items() if visible} == with_level_4
    screenshot(tmp_path / HTML_FILE, tmp_path / "country.png")


def test_catalogue_text_is_escaped_in_the_page_and_the_markdown(tmp_path: Path) -> None:
    result = unplanned_result(ROOT / "provinces" / "demo.yml")
    assert result.profile is not None
    hostile = result.profile.model_copy(update={"name": "Tỉnh <b>x</b> | y", "national_endpoint": "<script>"})
    written = write_report(
        tmp_path, [type(result)(**{**vars(result), "profile": hostile})], load_baseline(BASELINE), ROOT
    )
    assert written.provinces
    html = (tmp_path / HTML_FILE).read_text(encoding="utf-8")
    assert "<b>x</b>" not in html and "&lt;b&gt;x&lt;/b&gt;" in html
    assert html.count("<script>") == 1, "only the page's own script"
    markdown = (tmp_path / MARKDOWN_FILE).read_text(encoding="utf-8")
    assert "| Tỉnh &lt;b&gt;x&lt;/b&gt; \\| y |" in markdown, "a pipe in a name must not split the table"


@pytest.mark.parametrize("fixture", ["wrong-values", "level-missing"])
def test_a_baseline_that_contradicts_its_schema_is_refused(fixture: str) -> None:
    path = Path("tests") / "country" / "baselines" / f"{fixture}.yml"
    result = run_provcloud("country", "report", "--out", "/nonexistent/never-written", "--baseline", str(path), "demo")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert result.stderr.splitlines() == expected_errors(path)
