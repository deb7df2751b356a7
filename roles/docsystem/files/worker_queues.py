# Run by `docsystem-manage shell --command`: one environment file per background worker naming its
# queues (DOCSYSTEM_QUEUES=a,b,c), as this release of the application declares them.
import os
from pathlib import Path

from mayan.apps.task_manager.classes import Worker

folder = Path(os.environ["DOCSYSTEM_QUEUES_DIR"])
for worker in Worker.all():
    queues = ",".join(sorted(queue.name for queue in worker.queues))
    (folder / f"{worker.name}.env").write_text(f"DOCSYSTEM_QUEUES={queues}\n")
    print(worker.name, queues)
