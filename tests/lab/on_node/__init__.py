"""Scripts the lab tests run inside a lab machine, with the machine's own Python and files."""
