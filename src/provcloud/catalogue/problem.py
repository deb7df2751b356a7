"""A problem found in a catalogue file, located by field path and (once resolved) line and column."""

from dataclasses import dataclass
from pathlib import Path

FieldPath = tuple[str | int, ...]


def render_path(path: FieldPath) -> str:
    """`("agencies", 3, "org_code")` → `agencies[3].org_code`."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(file)"


@dataclass(frozen=True)
class Problem:
    path: FieldPath
    message: str
    at_key: bool = False
    """Point at the key rather than its value (an unknown field)."""


@dataclass(frozen=True)
class LocatedProblem:
    file: Path
    line: int
    column: int
    path: FieldPath
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}: {render_path(self.path)}: {self.message}"


class CatalogueError(Exception):
    """A catalogue file that does not validate; carries every problem found."""

    def __init__(self, problems: list[LocatedProblem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))
