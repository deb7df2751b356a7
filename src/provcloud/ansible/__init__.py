"""provcloud and Ansible: the inventory read from the catalogue, and converging through ansible-runner."""
