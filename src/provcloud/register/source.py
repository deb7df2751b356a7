"""The register of provinces and commune-level units after the 2025 reform: 34 provinces, 3,321
communes, wards and special zones, with their official codes (Decision 19/2025/QĐ-TTg).

By default the installed `vietnam-provinces` package; a newer release's `nested-divisions.json`
can be read instead (`--register FILE`), to review a register update before upgrading the package.
"""

import json
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from provcloud.catalogue.agency import AgencyKind
from provcloud.errors import UserError

# The register's division types of commune-level units → the catalogue's agency kinds.
_KINDS = {"phường": AgencyKind.ward, "xã": AgencyKind.commune, "đặc khu": AgencyKind.commune}


@dataclass(frozen=True)
class RegisterWard:
    """A commune-level unit: commune (xã), ward (phường) or special zone (đặc khu)."""

    code: str
    """5 digits, e.g. `20242`."""
    name: str
    kind: AgencyKind


@dataclass(frozen=True)
class RegisterProvince:
    code: str
    """2 digits, e.g. `48`."""
    name: str
    codename: str
    """The register's ASCII name, e.g. `da_nang`."""
    city: bool
    """A centrally run city (thành phố trực thuộc trung ương) rather than a province (tỉnh)."""
    wards: tuple[RegisterWard, ...] = field(default=())

    @property
    def slug(self) -> str:
        """The catalogue's slug: the register's ASCII name without separators (`da_nang` → `danang`)."""
        return self.codename.replace("_", "")

    def ward(self, code: str) -> RegisterWard | None:
        return next((w for w in self.wards if w.code == code), None)


@dataclass(frozen=True)
class Register:
    provinces: dict[str, RegisterProvince]
    source: str
    """Where it came from, for reports: the package and its data version, or the file."""

    def province(self, code: str) -> RegisterProvince:
        try:
            return self.provinces[code]
        except KeyError:
            known = ", ".join(f"{p.code} {p.name}" for p in self.provinces.values())
            raise UserError(f"province code {code!r} is not in the register ({self.source}); codes: {known}") from None

    def ward(self, code: str) -> tuple[RegisterProvince, RegisterWard] | None:
        for province in self.provinces.values():
            ward = province.ward(code)
            if ward is not None:
                return province, ward
        return None


def _build(rows: Iterable[dict[str, Any]], source: str) -> Register:
    provinces: dict[str, RegisterProvince] = {}
    for row in rows:
        wards = tuple(
            sorted(
                (
                    RegisterWard(f"{int(w['code']):05d}", str(w["name"]), _KINDS[str(w["division_type"])])
                    for w in row["wards"]
                ),
                key=lambda w: w.code,
            )
        )
        code = f"{int(row['code']):02d}"
        city = str(row["division_type"]).startswith("thành phố")
        provinces[code] = RegisterProvince(code, str(row["name"]), str(row["codename"]), city, wards)
    return Register(dict(sorted(provinces.items())), source)


@cache
def installed_register() -> Register:
    """The register shipped by the installed `vietnam-provinces` package."""
    import vietnam_provinces
    from vietnam_provinces import Province, Ward

    wards: dict[int, list[dict[str, Any]]] = {}
    for ward in Ward.iter_all():
        wards.setdefault(int(ward.province_code), []).append(
            {"code": int(ward.code), "name": ward.name, "division_type": ward.division_type.value}
        )
    rows = [
        {
            "code": int(p.code),
            "name": p.name,
            "codename": p.codename,
            "division_type": p.division_type.value,
            "wards": wards.get(int(p.code), []),
        }
        for p in Province.iter_all()
    ]
    version = f"vietnam-provinces {vietnam_provinces.__version__} (data {vietnam_provinces.__data_version__})"
    return _build(rows, version)


def register_from_file(file: Path) -> Register:
    """A register in the package's `nested-divisions.json` format (a list of provinces with wards)."""
    try:
        rows = json.loads(file.read_text(encoding="utf-8"))
        return _build(rows, str(file))
    except (OSError, ValueError) as error:
        raise UserError(f"{file}: cannot read the register: {error}") from None
    except (KeyError, TypeError) as error:
        raise UserError(f"{file}: not a register in nested-divisions.json format (missing or wrong {error})") from None


# A register file to use instead of the installed package, for every command of this process and
# the processes it starts (`provcloud country` workers): set by `--register` or by the user.
REGISTER_ENV = "PROVCLOUD_REGISTER"


def active_register() -> Register:
    """The register in force: `$PROVCLOUD_REGISTER` when set, else the installed package."""
    file = os.environ.get(REGISTER_ENV)
    return _cached_file(Path(file).resolve()) if file else installed_register()


@cache
def _cached_file(file: Path) -> Register:
    return register_from_file(file)


def use_register(file: Path | None) -> Register:
    """Make `file` (when given) the register in force, for this process and its children."""
    if file is not None:
        if not file.is_file():
            raise UserError(f"--register {file}: no such file")
        os.environ[REGISTER_ENV] = str(file.resolve())
    return active_register()
