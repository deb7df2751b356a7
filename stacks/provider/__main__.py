"""The provider stack: load the provider catalogue named by the stack config and declare its
cluster-scoped objects for every province it hosts (provcloud.provider.stack)."""

from provcloud.provider.stack import main

main()
