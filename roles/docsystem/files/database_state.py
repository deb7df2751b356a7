# Run by `docsystem-manage shell --command`: how far the database schema is, as one JSON line:
# {"applied": <migrations applied>, "pending": <migrations not applied>}. Fails when the database
# cannot be reached, which the role reports as such.
import json

from django.db import connection
from django.db.migrations.executor import MigrationExecutor

executor = MigrationExecutor(connection)
targets = executor.loader.graph.leaf_nodes()
pending = executor.migration_plan(targets)
print(json.dumps({"applied": len(executor.loader.applied_migrations), "pending": len(pending)}))
