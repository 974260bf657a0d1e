"""What ``import minigrad`` sets for the process: OpenBLAS's idle threads sleep
(OPENBLAS_THREAD_TIMEOUT, when imported before NumPy; a user's value kept), and large
arrays reuse freed memory instead of faulting fresh pages in every step (glibc)."""
import os
import subprocess
import sys

import pytest


def timeout_seen(code: str, **env: str) -> str:
    environment = {k: v for k, v in os.environ.items() if k != "OPENBLAS_THREAD_TIMEOUT"}
    done = subprocess.run([sys.executable, "-c", code + "; import os; "
                           "print(os.environ.get('OPENBLAS_THREAD_TIMEOUT'))"],
                          env={**environment, **env}, capture_output=True, text=True, check=True)
    return done.stdout.strip()


@pytest.mark.parametrize("code, env, expected", [
    ("import minigrad", {}, "4"),                             # before NumPy: set
    ("import layers", {}, "4"),                               # through the layers package too
    ("import minigrad", {"OPENBLAS_THREAD_TIMEOUT": "8"}, "8"),   # the user's value kept
    ("import numpy; import minigrad", {}, "None"),            # too late: left alone
])
def test_openblas_thread_timeout(code, env, expected):
    assert timeout_seen(code, **env) == expected


def test_the_report_says_whether_openblas_sees_it():
    from minigrad import blas_threads
    assert blas_threads.let_idle_threads_sleep() == (
        os.environ.get("OPENBLAS_THREAD_TIMEOUT") == blas_threads.SPIN_EXPONENT)


PAGE_FAULTS_PER_STEP = """
import resource
import numpy as np
import minigrad as mg
import minigrad.functional as F
from layers import models
mg.manual_seed(0)
model = models.small_cnn()
x, y = mg.randn(64, 1, 28, 28), mg.tensor(np.arange(64) % 10)
def step():
    F.cross_entropy(model(x), y).backward()
step()
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(3):
    step()
print((resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before) // 3)
"""


def page_faults_per_step(**env: str) -> int:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("MALLOC_")}
    done = subprocess.run([sys.executable, "-c", PAGE_FAULTS_PER_STEP],
                          env={**environment, **env}, capture_output=True, text=True, check=True)
    return int(done.stdout.strip())


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's mallopt: Linux only")
def test_training_steps_reuse_freed_memory_without_page_faults():
    from minigrad import allocator
    if not allocator.keep_freed_memory() and not any(v in os.environ
                                                     for v in allocator.USER_VARIABLES):
        pytest.skip("not glibc: mallopt is unavailable")
    tuned = page_faults_per_step()
    untuned = page_faults_per_step(MALLOC_MMAP_THRESHOLD_="131072")  # the user's: left alone
    assert tuned < 200 and untuned > 10 * tuned, (tuned, untuned)
