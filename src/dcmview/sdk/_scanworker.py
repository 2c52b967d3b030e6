"""A scan worker process: reads headers for the scan that started it, chunk by chunk.

The scan engine (:mod:`dcmview.sdk._scanner`) starts ``python <this file>`` as
a plain subprocess rather than a multiprocessing worker: a subprocess never
re-imports the caller's ``__main__`` (a script that calls ``scan()`` at top level
stays safe) and is safe to start from a thread of a process that already has
threads. Started by its path, it imports the very dcmview the parent runs, however
the parent found it. It imports the lean reader and the standard library, not
pydicom or numpy: a worker starts in tens of milliseconds and pays for pydicom
only when a file needs it.

Protocol, over stdin and stdout, until EOF: the parent writes a pickled request
``(paths, extra, sys_path)`` (``sys_path`` is the parent's ``sys.path`` on the
first request, so that the worker finds pydicom wherever the parent did, then
None); the worker answers with the pickled ``(headers, skipped)`` of
:func:`dcmview.sdk._headerscan.scan_records`, as plain tuples: a NamedTuple
pickles through its class, which costs about 1 µs more a record each way, and
which list a record is in already says what it is.
"""

from __future__ import annotations

import os
import pickle
import sys


def main() -> None:
    """Serve scan requests on stdin/stdout until EOF."""
    from dcmview.sdk._headerscan import scan_records

    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    while True:
        try:
            paths, extra, parent_path = pickle.load(stdin)
        except EOFError:
            return
        if parent_path:
            sys.path.extend(p for p in parent_path if p not in sys.path)
        headers, skipped = scan_records(paths, extra)
        # r[:] copies a record into a plain tuple twice as fast as tuple(r) does.
        reply = ([r[:] for r in headers], [r[:] for r in skipped])
        pickle.dump(reply, stdout, protocol=pickle.HIGHEST_PROTOCOL)
        stdout.flush()


if __name__ == "__main__":
    # Run as a script, Python put this file's folder (dcmview/sdk) first on sys.path,
    # where an sdk module could shadow a standard one (codecs.py, say). Put the folder
    # that holds the dcmview package there instead: the parent's dcmview.
    here = os.path.dirname(os.path.abspath(__file__))
    if sys.path and os.path.abspath(sys.path[0] or os.curdir) == here:
        del sys.path[0]
    sys.path.insert(0, os.path.dirname(os.path.dirname(here)))
    main()
