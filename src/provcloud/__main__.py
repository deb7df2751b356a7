"""`python -m provcloud`: the same command as `provcloud`, for callers that only know the interpreter."""

from provcloud.cli import main

main()
