"""The lab: a province's service machines as systemd-nspawn machines on one host.

`plan` turns a catalogue into what the lab builds (pure, unit-tested); `host` runs what needs root;
`image`, `network`, `proxy` and `machine` build the parts; `lab` brings them up and down.
"""
