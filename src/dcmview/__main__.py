"""``python -m dcmview``: the same as the ``dcmview`` command."""

from __future__ import annotations

from dcmview.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
