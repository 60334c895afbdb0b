"""Engine behaviour that only shows in a whole process: clean exit after SpatiaLite use."""
from __future__ import annotations

import subprocess
import sys

from greening.config import REPO_ROOT

SCRIPT = """
import threading
from sqlalchemy import text
from greening.db import make_engine
e = make_engine("sqlite:///{path}")
def work():
    with e.connect() as c:
        c.execute(text("SELECT AsText(Buffer(MakePoint(110.3, 21.2, 4326), 0.01))")).scalar()
threads = [threading.Thread(target=work) for _ in range(4)]
[t.start() for t in threads]; [t.join() for t in threads]
import geopandas, pyproj  # loaded after SpatiaLite, as a page or a command would
pyproj.Transformer.from_crs(4326, 4546).transform(21.2, 110.3)
"""


def test_process_exits_cleanly_after_spatialite_and_pyproj(tmp_path):
    # Regression: SpatiaLite's PROJ loaded before pyproj's made the interpreter abort at exit
    # with "double free or corruption" (exit 134), failing commands and test runs.
    code = SCRIPT.format(path=tmp_path / "x.sqlite")
    proc = subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
