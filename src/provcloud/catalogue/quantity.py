"""Kubernetes resource quantities (`500m`, `8Gi`, `2`) as validated strings with exact arithmetic."""

import re
from decimal import Decimal
from typing import Annotated

from pydantic import BeforeValidator, Field

_SUFFIX = {
    "": Decimal(1),
    "m": Decimal("0.001"),
    "k": Decimal(10) ** 3,
    "M": Decimal(10) ** 6,
    "G": Decimal(10) ** 9,
    "T": Decimal(10) ** 12,
    "P": Decimal(10) ** 15,
    "Ki": Decimal(2) ** 10,
    "Mi": Decimal(2) ** 20,
    "Gi": Decimal(2) ** 30,
    "Ti": Decimal(2) ** 40,
    "Pi": Decimal(2) ** 50,
}
QUANTITY_PATTERN = r"^[0-9]+(\.[0-9]+)?(m|k|M|G|T|P|Ki|Mi|Gi|Ti|Pi)?$"
_QUANTITY = re.compile(QUANTITY_PATTERN)


def _number_to_text(value: object) -> object:
    # YAML gives `cpu: 4` as an int; Kubernetes accepts it as the quantity "4".
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return value


Quantity = Annotated[
    str,
    BeforeValidator(_number_to_text),
    Field(pattern=QUANTITY_PATTERN, examples=["500m", "4", "8Gi"]),
]


def parse_quantity(text: str) -> Decimal:
    """The quantity's value in base units (cores, bytes)."""
    match = _QUANTITY.match(text)
    if match is None:
        raise ValueError(f"not a Kubernetes quantity: {text!r}")
    suffix = match.group(2) or ""
    return Decimal(text[: len(text) - len(suffix)]) * _SUFFIX[suffix]
