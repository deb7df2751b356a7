"""`provcloud country`: every province planned, validated and judged in one run, in parallel, with
a result cache keyed by what each province's plan reads."""
