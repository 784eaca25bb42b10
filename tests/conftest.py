import os
import tempfile
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# QSettings and caches go to a throw-away place, never the developer's own.
_tmp_home = tempfile.mkdtemp(prefix="numpy-lab-test-")
os.environ["XDG_CONFIG_HOME"] = os.path.join(_tmp_home, "config")
os.environ["XDG_DATA_HOME"] = os.path.join(_tmp_home, "data")
os.environ["XDG_CACHE_HOME"] = os.path.join(_tmp_home, "cache")
os.environ["NUMPY_LAB_DATA"] = ""

SHARED = Path(__file__).resolve().parent.parent.parent / "shared" / "data"


@pytest.fixture(scope="session")
def shared_data():
    """../shared/data beside the project (CI has it, a user's clone does not): skip when absent."""
    if not SHARED.is_dir():
        pytest.skip("../shared/data is not present (real-data test)")
    return SHARED


@pytest.fixture(scope="session")
def mnist_dir(shared_data):
    d = shared_data / "mnist"
    if not (d / "t10k-images-idx3-ubyte.gz").exists():
        pytest.skip("../shared/data/mnist is not present")
    return d
