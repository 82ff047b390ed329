"""The server's warm-up: it must leave the process ready for a class, not just import things."""
from __future__ import annotations

import json
import subprocess
import sys

from tests.conftest import REPO_ROOT

WARM_UP_THEN_COUNT_WHAT_A_FULL_COLLECTION_SCANS = """
import gc, json, logging
logging.disable(logging.CRITICAL)  # warm_up is a cached resource; outside a server Streamlit warns about it
from pages._warm_up import warm_up
warm_up().join()
after_warm_up = len(gc.get_objects())  # what a full collection walks, holding the GIL
gc.unfreeze()  # the same process, with everything the warm-up left alive back under the collector
print(json.dumps({"after_warm_up": after_warm_up, "everything": len(gc.get_objects())}))
"""


def test_after_the_warm_up_a_full_collection_scans_few_objects() -> None:
    """A full collection holds the GIL, stalling every session. After the warm-up it must not walk the
    hundreds of thousands of objects torch, plotly and pandas leave alive (counted, not timed, so the test
    does not depend on the machine's load)."""
    result = subprocess.run([sys.executable, "-c", WARM_UP_THEN_COUNT_WHAT_A_FULL_COLLECTION_SCANS], cwd=REPO_ROOT,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    scanned = json.loads(result.stdout.strip().splitlines()[-1])
    assert scanned["after_warm_up"] < scanned["everything"] / 4, scanned
