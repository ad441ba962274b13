import numpy as np
import pytest

import idl_sdp


@pytest.fixture
def rng():
    return np.random.default_rng(0)


@pytest.fixture
def small_problem(rng):
    """A small random regression problem, one column per sample."""
    n, m, p, h = 4, 40, 2, 5
    U = rng.standard_normal((n, m))
    Y = rng.standard_normal((p, m))
    return U, Y, h


def random_model(rng, n, h, p, norm2=0.5):
    """A random ImplicitModel with ‖D‖₂ = norm2."""
    D = rng.standard_normal((h, h))
    D *= norm2 / np.linalg.norm(D, 2)
    return idl_sdp.ImplicitModel(
        rng.standard_normal((p, h)), rng.standard_normal((p, n)), rng.standard_normal(p),
        D, rng.standard_normal((h, n)), rng.standard_normal(h),
    )


# Hypothesis profiles: a CI-sized one by default, a longer one for local runs:
#   HYPOTHESIS_PROFILE=long python -m pytest tests/test_reliability.py --hypothesis-show-statistics
try:
    import os

    from hypothesis import HealthCheck, settings

    # CI draws the same examples every run (a run is reproducible; a new failure is not
    # a matter of luck); the long profile explores at random.
    settings.register_profile("ci", max_examples=25, deadline=None, derandomize=True,
                              suppress_health_check=[HealthCheck.too_slow])
    settings.register_profile("long", max_examples=500, deadline=None,
                              suppress_health_check=[HealthCheck.too_slow])
    settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
except ImportError:  # pragma: no cover
    pass
