"""Write catalogue data as a province file, headed by the schema modeline."""

import io
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

SCHEMA_MODELINE = "# yaml-language-server: $schema=schemas/province.schema.json\n"


def dump_province(data: dict[str, Any], file: Path, header: str = "") -> None:
    yaml = YAML(typ="rt")
    yaml.width = 120
    yaml.indent(mapping=2, sequence=4, offset=2)
    buffer = io.StringIO()
    yaml.dump(data, buffer)
    file.write_text(SCHEMA_MODELINE + header + buffer.getvalue(), encoding="utf-8")
