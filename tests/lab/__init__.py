"""Tests of the lab (marker `lab`: root, systemd-nspawn) and of its planning (no root)."""
