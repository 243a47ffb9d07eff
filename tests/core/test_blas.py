"""blas.openblas_threads: the count NumPy's OpenBLAS was given, asked of the library."""

import os
import subprocess
import sys

import numpy as np
import pytest

ASK = "import numpy; from gradviz.core.blas import openblas_threads; print(openblas_threads())"


def _numpy_blas() -> str:
    return np.show_config(mode="dicts")["Build Dependencies"]["blas"]["name"].lower()


def _cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()


@pytest.mark.parametrize("threads", ["1", "2"])
def test_the_count_is_the_one_openblas_read_when_numpy_loaded_it(threads):
    # NumPy is imported before gradviz here, as in a script: gradviz's own request comes too late.
    env = {**os.environ, "OPENBLAS_NUM_THREADS": threads}
    answer = subprocess.run([sys.executable, "-c", ASK], env=env, capture_output=True, text=True, timeout=120, check=True)
    if "openblas" in _numpy_blas():
        # OpenBLAS gives no more threads than the process may run on.
        assert answer.stdout.strip() == str(min(int(threads), _cores()))
    else:  # another BLAS (macOS's Accelerate): nothing to ask
        assert answer.stdout.strip() == "None"


def _cpu_flags() -> set[str]:
    try:
        with open("/proc/cpuinfo", encoding="ascii", errors="replace") as info:
            return next((set(line.split(":", 1)[1].split()) for line in info if line.startswith("flags")), set())
    except OSError:
        return set()


def test_the_core_is_the_one_openblas_was_told_to_take():
    # OPENBLAS_CORETYPE makes OpenBLAS take that CPU's kernels when NumPy loads it, where this CPU can run them.
    ask = "import numpy; from gradviz.core.blas import openblas_core; print(openblas_core())"
    env = {**os.environ, "OPENBLAS_CORETYPE": "Haswell"}
    answer = subprocess.run([sys.executable, "-c", ask], env=env, capture_output=True, text=True, timeout=120, check=True)
    name = answer.stdout.strip()
    if "openblas" not in _numpy_blas():
        assert name == "None"
    elif {"avx2", "fma"} <= _cpu_flags():  # an x86-64 CPU that runs Haswell's kernels
        assert name == "haswell"
    else:  # another CPU keeps kernels of its own: still a name, in lower case
        assert name and name != "None" and name == name.lower()
