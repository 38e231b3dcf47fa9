"""gunicorn settings of the memory run: a census of Python objects, on request.

When the run writes a new number to ``$BENCH_OBJECTS_DIR/census``, each worker, after its next
request, collects its garbage and appends to ``$BENCH_OBJECTS_DIR/<pid>.txt`` the number, the
requests it has served, and how many objects Python's collector tracks. The census comes only
after the resident-memory readings, which it would disturb.
"""

import gc
import os
import sys
from pathlib import Path

_served = 0
_done = 0


def post_request(worker, req, environ, resp):
    global _served, _done
    _served += 1
    folder = Path(os.environ["BENCH_OBJECTS_DIR"])
    try:
        generation = int((folder / "census").read_text())
    except (OSError, ValueError):
        return
    if generation > _done:
        _done = generation
        gc.collect()
        with (folder / f"{os.getpid()}.txt").open("a") as out:
            out.write(
                f"{generation} {_served} {len(gc.get_objects())} {sys.getallocatedblocks()}\n"
            )
