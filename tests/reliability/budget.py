"""Example budgets of the reliability tests: how many cases each property test tries."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

#: ``DCMVIEW_FUZZ_EXAMPLES`` scales every fuzz test's example count (1 = CI budget);
#: ``DCMVIEW_FUZZ_EXAMPLES=50`` is the long run documented in docs/development.md.
SCALE = max(float(os.environ.get("DCMVIEW_FUZZ_EXAMPLES", "1")), 0.1)


def fuzz_settings(examples: int) -> settings:
    """Hypothesis settings for a fuzz test with `examples` examples at scale 1."""
    return settings(
        max_examples=max(1, int(examples * SCALE)),
        deadline=None,  # each case has its own hang deadline in the sandbox
        suppress_health_check=[
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.function_scoped_fixture,  # tmp_path: one file, overwritten per case
        ],
        database=None,  # found crashers are kept as code in crashers/, not in .hypothesis
        print_blob=True,
    )
