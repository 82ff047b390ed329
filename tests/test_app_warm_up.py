"""The server's warm-up: it must leave the process ready for a class, not just import things."""
from __future__ import annotations

import json
import subprocess
import sys

from tests.conftest import REPO_ROOT

WARM_UP_THEN_COUNT = """
import gc, json, time
import app
app._import_heavy_libraries()
start = time.perf_counter()
gc.collect()
print(json.dumps({"frozen": gc.get_freeze_count(), "tracked": len(gc.get_objects()),
                  "full_collect_ms": (time.perf_counter() - start) * 1e3}))
"""


def test_warm_up_exempts_long_lived_objects_from_the_cyclic_gc() -> None:
    """After the warm-up, a full collection (which holds the GIL, stalling every session) no longer rescans
    the hundreds of thousands of objects torch, plotly and pandas leave alive; only what came after."""
    result = subprocess.run([sys.executable, "-c", WARM_UP_THEN_COUNT], cwd=REPO_ROOT, capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    counts = json.loads(result.stdout.strip().splitlines()[-1])
    assert counts["frozen"] > 100_000, counts
    assert counts["tracked"] < counts["frozen"] / 10, counts
