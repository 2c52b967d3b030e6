"""The ``dcmview`` command: parse options, scan in the background, serve with uvicorn.

``main(argv)`` returns the exit code (docs/cli.md): 0 after Ctrl-C, SIGTERM or
``--timeout``; 1 when nothing viewable was found or an input (CSV, path) is
unusable, with one line on stderr; 2 for a usage error. Tracebacks are shown
only with ``--debug``.

The server listens and prints its URL before the scan finishes; the scan goes
on in a background thread and the first files are viewable while the rest are
read. The start-up lines go to stdout (the predecessor's wording, so scripts
that parse them keep working); ``--startup-json`` adds one JSON object per
event.
"""

from __future__ import annotations

import argparse
import logging
import re
import sys
from collections.abc import Sequence

from dcmview import __version__
from dcmview._console import Console
from dcmview._runner import Options, StartupError, run_foreground, start
from dcmview._sockets import ListenError
from dcmview.sdk.cache import DEFAULT_BUDGET, MIN_BUDGET

__all__ = ["build_parser", "main", "parse_size"]

_UNITS = {
    "": 1,
    "b": 1,
    "k": 1024,
    "kb": 1000,
    "kib": 1024,
    "m": 1024**2,
    "mb": 1000**2,
    "mib": 1024**2,
    "g": 1024**3,
    "gb": 1000**3,
    "gib": 1024**3,
}
_SIZE = re.compile(r"\s*([0-9]+(?:\.[0-9]+)?)\s*([a-zA-Z]*)\s*")


def parse_size(text: str) -> int:
    """Parse a byte size with an optional KiB/MiB/GiB (or K/M/G, KB/MB/GB) suffix.

    Examples
    --------
    >>> parse_size("256MiB"), parse_size("1.5 GiB"), parse_size("20000000")
    (268435456, 1610612736, 20000000)
    """
    match = _SIZE.fullmatch(text)
    unit = match.group(2).lower() if match else ""
    if match is None or unit not in _UNITS:
        raise argparse.ArgumentTypeError(
            f"invalid size {text!r}: use bytes or a KiB/MiB/GiB suffix, e.g. 512MiB"
        )
    value = int(float(match.group(1)) * _UNITS[unit])
    if value < MIN_BUDGET:
        raise argparse.ArgumentTypeError(
            f"cache budget {text!r} is below the minimum of {MIN_BUDGET >> 20}MiB"
        )
    return value


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid port {text!r}: use 0..65535") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"invalid port {text!r}: use 0..65535")
    return value


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid timeout {text!r}: use seconds >= 0") from None
    if not value >= 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"invalid timeout {text!r}: use seconds >= 0")
    return value


def _filter(text: str) -> tuple[str, str]:
    field_name, sep, value = text.partition("=")
    field_name = field_name.strip()
    if not sep or not field_name:
        raise argparse.ArgumentTypeError(f"invalid filter {text!r}: use FIELD=VALUE")
    return field_name, value


def _header(text: str) -> tuple[str, str]:
    name, sep, value = text.partition(":")
    name = name.strip()
    if not sep or not name or any(c.isspace() for c in name):
        # Never echo the value: it is usually a credential.
        raise argparse.ArgumentTypeError(f"invalid header {name[:40]!r}...: use 'NAME: VALUE'")
    return name, value.strip()


def _tunnel_host(text: str) -> str:
    # An argument starting with "-" would be read by ssh as an option
    # (CVE-2017-1000117-style injection): refuse it.
    if not text or text.startswith("-"):
        raise argparse.ArgumentTypeError(f"invalid tunnel host {text!r}: it may not start with '-'")
    return text


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``dcmview`` (every option of docs/cli.md)."""
    p = argparse.ArgumentParser(
        prog="dcmview",
        description=(
            "Start a temporary local web viewer for DICOM files and folders: images, tags, "
            "cine and rectangular ROI annotations. For research and development inspection, "
            "not clinical diagnosis."
        ),
        epilog=(
            "examples:\n"
            "  dcmview ./scan.dcm\n"
            "  dcmview --no-browser --port 8010 ./study_dir\n"
            "  ssh -L 8010:127.0.0.1:8010 user@remote   (then open the printed URL)\n"
            "  dcmview --annotations ./rois.csv ./study_dir\n"
            "  dcmview --filter modality=CT --filter PatientID=phantom ./study_dir\n"
            "  dcmview --demo\n"
            "  DCMVIEW_DICOMWEB_TOKEN=... dcmview https://pacs.example/dicom-web --study 1.2.3\n"
            "  dcmview export scan.dcm --frame 3 --window 40,400 -o slice.png\n"
            "  dcmview export cine.dcm --cine loop.webp   (see dcmview export --help)\n"
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "paths",
        nargs="*",
        metavar="PATH",
        help="DICOM files or directories, or the base URL of a DICOMweb archive "
        "(https://host/dicom-web)",
    )
    p.add_argument(
        "--study",
        action="append",
        default=[],
        metavar="UID",
        help="with a DICOMweb URL: list only this study (Study Instance UID); repeatable",
    )
    p.add_argument(
        "--header",
        type=_header,
        action="append",
        default=[],
        metavar="'NAME: VALUE'",
        help="with a DICOMweb URL: send this header with every request (e.g. an "
        "Authorization); repeatable. Credentials are better kept in DCMVIEW_DICOMWEB_TOKEN "
        "or DCMVIEW_DICOMWEB_USER/_PASSWORD, out of the process list",
    )
    p.add_argument("-p", "--port", type=_port, default=0, help="bind port; 0 picks a free one")
    p.add_argument("--host", default="127.0.0.1", help="bind address (default 127.0.0.1)")
    p.add_argument(
        "--unix-socket", metavar="PATH", help="listen on a Unix socket (mode 0600) instead of TCP"
    )
    p.add_argument("--no-browser", action="store_true", help="do not open a browser")
    p.add_argument(
        "--no-token", action="store_true", help="serve the API without the access token (unsafe)"
    )
    p.add_argument(
        "--timeout",
        type=_seconds,
        metavar="SECONDS",
        help="exit after this many idle seconds, counted from the end of the scan; "
        "0 exits right after the scan",
    )
    p.add_argument(
        "--remote-timeout",
        type=_seconds,
        default=30.0,
        metavar="SECONDS",
        help="with a DICOMweb URL: seconds to wait for each answer of the archive before "
        "retrying, then failing with an error (default 30)",
    )
    p.add_argument("--no-recursive", action="store_true", help="only the top level of directories")
    p.add_argument(
        "--filter",
        type=_filter,
        action="append",
        default=[],
        metavar="FIELD=VALUE",
        help="only files whose FIELD contains VALUE (case-insensitive); repeatable, AND. "
        "FIELD: patient_id, patient_name, study_description, study_date, study_uid, "
        "series_description, series_number, series_uid, modality, or a DICOM keyword",
    )
    p.add_argument("--annotations", metavar="CSV", help="EMBED-style ROI annotations (read only)")
    p.add_argument(
        "--mask",
        action="store_true",
        help="replace patient identifiers and file paths in everything the viewer shows, for "
        "screen sharing; display only: files are not modified, text in the pixels is not masked, "
        "and this is not de-identification",
    )
    p.add_argument(
        "--redactions",
        metavar="CSV",
        help="EMBED-style CSV of boxes whose pixels the server removes from every image",
    )
    p.add_argument(
        "--cache-budget",
        type=parse_size,
        default=DEFAULT_BUDGET,
        metavar="SIZE",
        help="memory for frame caches: bytes or KiB/MiB/GiB, at least 16MiB (default 700MiB)",
    )
    p.add_argument(
        "--startup-json", action="store_true", help="also print JSON event lines on stdout"
    )
    p.add_argument("--tunnel", action="store_true", help="start `ssh -N -L` to --tunnel-host")
    p.add_argument("--tunnel-host", type=_tunnel_host, metavar="HOST", help="SSH host for --tunnel")
    p.add_argument(
        "--tunnel-port", type=_port, default=0, metavar="N", help="local port; 0 = the server port"
    )
    p.add_argument(
        "--allow-host",
        action="append",
        default=[],
        metavar="NAME",
        help="a further Host name to accept (a proxy's, or this machine's name); repeatable",
    )
    p.add_argument("--demo", action="store_true", help="open a small built-in sample study")
    p.add_argument("--debug", action="store_true", help="log requests and show tracebacks")
    p.add_argument("-V", "--version", action="version", version=f"dcmview {__version__}")
    return p


def _options(ns: argparse.Namespace, parser: argparse.ArgumentParser) -> Options:
    if not ns.paths and not ns.demo:
        parser.error("the following arguments are required: PATH (or --demo)")
    if ns.tunnel and not ns.tunnel_host:
        parser.error("--tunnel needs --tunnel-host HOST")
    if ns.unix_socket and ns.tunnel:
        parser.error("--tunnel forwards a TCP port; it cannot be used with --unix-socket")
    filters: dict[str, str] = {}
    for name, value in ns.filter:
        if name in filters:
            parser.error(f"--filter {name} given twice; filters on one field cannot be combined")
        filters[name] = value
    if filters:
        _check_filters(filters, parser)
    return Options(
        paths=list(ns.paths),
        port=ns.port,
        host=ns.host,
        unix_socket=ns.unix_socket,
        browser=not ns.no_browser,
        no_token=ns.no_token,
        timeout=ns.timeout,
        recursive=not ns.no_recursive,
        filters=filters,
        annotations=ns.annotations,
        mask=ns.mask,
        redactions=ns.redactions,
        cache_budget=ns.cache_budget,
        startup_json=ns.startup_json,
        tunnel_host=ns.tunnel_host if ns.tunnel else None,
        tunnel_port=ns.tunnel_port,
        allow_hosts=list(ns.allow_host),
        demo=ns.demo,
        debug=ns.debug,
        studies=list(ns.study),
        source_headers=dict(ns.header),
        remote_timeout=ns.remote_timeout or 30.0,
    )


def _check_filters(filters: dict[str, str], parser: argparse.ArgumentParser) -> None:
    # scan() would refuse them after the server has started: refuse them now, as
    # a usage error, with the SDK's own check (pydicom's dictionary is imported,
    # ~0.1 s, only for a DICOM keyword).
    from dcmview.sdk.catalog import check_filters
    from dcmview.sdk.errors import InvalidInputError

    for name, value in filters.items():
        try:
            check_filters({name: value})
        except InvalidInputError as exc:
            parser.error(f"--filter {name}={value}: {exc}")


def _tune_malloc() -> None:
    """Keep big frame buffers out of glibc's heap so freed frames go back to the OS.

    glibc raises its mmap threshold after each large free (up to 32 MiB), so
    decoded frames and PNG buffers end up in per-thread heap arenas that rarely
    shrink: the process's RSS then grows far past the cache budget. A fixed 1 MiB
    threshold (and at most 2 arenas) keeps peak RSS near budget + overhead
    (benchmarks/bench_server.py: 575 -> 423 MiB with a 256 MiB budget). Only the
    CLI does this: it owns its process.
    """
    if not sys.platform.startswith("linux"):
        return
    import ctypes
    import ctypes.util

    name = ctypes.util.find_library("c")
    if not name:
        return
    try:
        libc = ctypes.CDLL(name)
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # musl has no mallopt
        return
    m_trim_threshold, m_mmap_threshold, m_arena_max = -1, -3, -8
    mallopt(m_mmap_threshold, 1 << 20)
    mallopt(m_trim_threshold, 4 << 20)
    mallopt(m_arena_max, 2)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``dcmview`` command; return its exit code.

    Parameters
    ----------
    argv : sequence of str, optional
        The arguments (``sys.argv[1:]`` by default).
    """
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["batch"]:  # `dcmview batch JOB ...` (a folder named batch: ./batch)
        from dcmview.batch import main as batch_main

        return batch_main(args[1:])
    if args[:1] == ["export"]:
        # A subcommand; a folder called "export" is viewed as ./export.
        from dcmview._export_cli import main as export_main

        return export_main(args[1:])
    parser = build_parser()
    try:
        ns = parser.parse_args(args)
    except SystemExit as exc:  # --help, --version (0) or a usage error (2)
        return int(exc.code or 0)
    debug = bool(ns.debug)
    logging.basicConfig(
        level=logging.DEBUG if debug else logging.WARNING, format="dcmview: %(name)s: %(message)s"
    )
    console = Console(ns.startup_json)
    _tune_malloc()
    try:
        opts = _options(ns, parser)
        running = start(opts, console, in_thread=False)
    except SystemExit as exc:  # a usage error found by _options (2)
        return int(exc.code or 0)
    except KeyboardInterrupt:
        return 0
    except Exception as exc:
        from dcmview.sdk.errors import DcmviewError

        if debug:
            raise
        if isinstance(exc, DcmviewError | StartupError | ListenError):
            console.error(str(exc))
        else:
            console.error(f"{type(exc).__name__}: {exc} (run with --debug for details)")
        return 1
    try:
        code = run_foreground(running)
    except KeyboardInterrupt:  # pragma: no cover - uvicorn handles SIGINT itself
        code = 0
    console.say("shutting down...")
    return code
