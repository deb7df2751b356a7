"""The platform stack: load the catalogue named by the stack config and build one ProvincePlatform.

Everything lives in `provcloud.platform`; this file stays thin so `provcloud plan` runs exactly the
program `pulumi up` runs.
"""

from provcloud.platform.program import main

main()
