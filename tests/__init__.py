"""dcmview's tests."""

import os

#: True in CI (``CI=true``): what is optional on a developer's machine is required there.
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
