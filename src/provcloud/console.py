"""The shared rich consoles: tables and progress to stdout, problems to stderr."""

from rich.console import Console

out = Console(highlight=False)
err = Console(stderr=True, highlight=False, soft_wrap=True)
