# Run by `docsystem-manage shell --command`, with the administrator's password on stdin: how far
# the database schema is and whether the administrator account is as configured, as one JSON line:
# {"applied": <migrations applied>, "pending": <not applied>, "admin_ok": <bool>,
# "shared_cabinet_trees": <MPTT trees holding more than one root cabinet>}. Read-only (it also runs
# in check mode); fails when the database cannot be reached, which the role reports.
import json
import os
import sys

from django.db import connection
from django.db.migrations.executor import MigrationExecutor

executor = MigrationExecutor(connection)
targets = executor.loader.graph.leaf_nodes()
pending = executor.migration_plan(targets)
state = {
    "applied": len(executor.loader.applied_migrations),
    "pending": len(pending),
    "admin_ok": False,
    "shared_cabinet_trees": 0,
}
if state["applied"] and not state["pending"]:
    from django.contrib.auth import get_user_model
    from django.db.models import Count
    from mayan.apps.autoadmin.models import AutoAdminSingleton
    from mayan.apps.cabinets.models import Cabinet

    # Cabinets created at the same time can share a tree (fix_cabinet_trees.py says why); an ACL on
    # either root then opens both.
    state["shared_cabinet_trees"] = (
        Cabinet.objects.filter(level=0).values("tree_id").annotate(roots=Count("id")).filter(roots__gt=1).count()
    )

    password = sys.stdin.readline().rstrip("\n")
    user = get_user_model().objects.filter(username=os.environ["DOCSYSTEM_ADMIN_USERNAME"]).first()
    banner = AutoAdminSingleton.objects.first()
    state["admin_ok"] = bool(
        user is not None
        and user.is_superuser
        and user.is_staff
        and user.email == os.environ["DOCSYSTEM_ADMIN_EMAIL"]
        and user.check_password(password)
        and (banner is None or not (banner.account or banner.password or banner.password_hash))
    )
print(json.dumps(state))
