"""What a lab created, kept in `<lab dir>/state.json`: `down` removes exactly this and nothing else."""

import json
from dataclasses import asdict, dataclass, field

from provcloud.lab.host import OwnedProcess
from provcloud.lab.paths import state_file


@dataclass
class MachineState:
    supervisor: OwnedProcess
    root: str
    """The overlay mount the machine boots from."""


@dataclass
class LabState:
    slug: str
    catalogue: str
    bridges: list[str] = field(default_factory=list)
    nft_table: str | None = None
    proxy: OwnedProcess | None = None
    machines: dict[str, MachineState] = field(default_factory=dict)

    def save(self) -> None:
        path = state_file(self.slug)
        temporary = path.with_suffix(".tmp")
        temporary.write_text(json.dumps(asdict(self), indent=2) + "\n")
        temporary.replace(path)

    @classmethod
    def load(cls, slug: str) -> "LabState | None":
        path = state_file(slug)
        if not path.exists():
            return None
        data = json.loads(path.read_text())
        proxy = data.get("proxy")
        return cls(
            slug=data["slug"],
            catalogue=data["catalogue"],
            bridges=list(data.get("bridges", [])),
            nft_table=data.get("nft_table"),
            proxy=OwnedProcess(**proxy) if proxy else None,
            machines={
                name: MachineState(supervisor=OwnedProcess(**m["supervisor"]), root=m["root"])
                for name, m in data.get("machines", {}).items()
            },
        )


def lab_is_up(slug: str) -> bool:
    """A lab state exists for this province (used by the inventory to switch to the lab connection)."""
    return state_file(slug).exists()
