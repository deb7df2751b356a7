"""`provcloud catalogue`: tools around province files (synthetic provinces, the JSON Schema)."""

from pathlib import Path
from typing import Annotated

import typer

from provcloud.catalogue.json_schema import baseline_json_schema, provider_json_schema, province_json_schema
from provcloud.catalogue.reference import catalogue_reference
from provcloud.catalogue.synth import synthesize
from provcloud.catalogue.writer import dump_province
from provcloud.console import out
from provcloud.errors import UserError
from provcloud.project import display_path, project_root, provinces_dir

catalogue_app = typer.Typer(help="Synthetic provinces and the catalogue's JSON Schema.", no_args_is_help=True)


@catalogue_app.command()
def synth(
    agencies: Annotated[int, typer.Option(min=1, max=20000, help="Number of agencies.")],
    out_file: Annotated[Path, typer.Option("--out", help="Catalogue file to write.")],
    seed: Annotated[int, typer.Option(help="Random seed: the same seed gives the same file.")] = 0,
    slug: Annotated[str, typer.Option(help="Slug of the synthetic province.")] = "synth",
) -> None:
    """Write a synthetic province with N agencies (for scale tests and benchmarks)."""
    if out_file.parent and not out_file.parent.is_dir():
        raise UserError(f"{out_file.parent}: no such folder")
    dump_province(
        synthesize(agencies, seed=seed, slug=slug),
        out_file,
        header=f"# Synthetic province: {agencies} agencies, seed {seed}. Not a real province.\n",
    )
    out.print(f"wrote {display_path(out_file)} ({agencies} agencies)")


@catalogue_app.command()
def schema(
    out_file: Annotated[
        Path | None, typer.Option("--out", help="Default: provinces/schemas/province.schema.json")
    ] = None,
    check: Annotated[bool, typer.Option(help="Exit 1 if the file differs from the schema instead of writing.")] = False,
) -> None:
    """Write the JSON Schemas of province and provider files and of the national baseline, and the
    field reference (docs/), all generated from the models."""
    outputs = {
        out_file or provinces_dir() / "schemas" / "province.schema.json": province_json_schema(),
        project_root() / "providers" / "schemas" / "provider.schema.json": provider_json_schema(),
        provinces_dir() / "schemas" / "baseline.schema.json": baseline_json_schema(),
        project_root() / "docs" / "catalogue-reference.md": catalogue_reference(),
    }
    for target, text in outputs.items():
        if check:
            if not target.is_file() or target.read_text(encoding="utf-8") != text:
                raise UserError(f"{display_path(target)} is out of date: run `provcloud catalogue schema`")
            out.print(f"{display_path(target)} is up to date")
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
        out.print(f"wrote {display_path(target)}")
