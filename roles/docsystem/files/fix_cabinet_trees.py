# Run by `docsystem-manage shell --command` when the database probe found root cabinets sharing an
# MPTT tree. django-mptt numbers a new tree max(tree_id) + 1 without a lock, so two agencies'
# cabinets created at once by two web workers (provcloud before December 2026 made them in
# parallel) could get the same tree_id, and Mayan evaluates cabinet ACLs on a tree's root
# (cabinets/apps.py, get_root_filter): either agency's role then lists both cabinets. rebuild()
# renumbers every tree from the parent links; ACLs point at cabinet ids, which do not change.
from mayan.apps.cabinets.models import Cabinet

Cabinet.objects.rebuild()
print("rebuilt")
