"""``dcmview export``: a frame as PNG, or a cine loop as WebP, PNG, GIF or MP4, for scripts.

``dcmview export PATH --frame N --window C,W -o out.png`` writes what
``sdk.open(PATH).frame(N).png(window=(C, W))`` returns, byte for byte;
``--cine out.webp`` what ``Instance.export_cine`` writes. Nothing is drawn on
the images but the optional ROI boxes (``--annotations``): no patient text.

Exit codes: 0 written, 1 an input that cannot be used (one line on stderr),
2 a usage error.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from dcmview.sdk.window import WindowLike

__all__ = ["build_parser", "main"]


def _window(text: str) -> WindowLike:
    center, comma, width = text.partition(",")
    if not comma:
        return text  # a preset ("lung"), "dicom" or "full"
    try:
        return (float(center), float(width))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"invalid window {text!r}: use CENTER,WIDTH (40,400) or a preset name"
        ) from None


def _frames(text: str) -> list[int]:
    out: list[int] = []
    try:
        for part in text.split(","):
            first, dash, last = part.partition("-")
            if dash:
                out.extend(range(int(first), int(last) + 1))
            else:
                out.append(int(part))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"invalid frames {text!r}: use 0-based numbers and ranges, e.g. 0-9,12"
        ) from None
    if not out or min(out) < 0:
        raise argparse.ArgumentTypeError(f"invalid frames {text!r}: 0-based, at least one")
    return out


def _positive(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not (value > 0 and value != float("inf")):
        raise argparse.ArgumentTypeError(f"invalid rate {text!r}: frames per second > 0")
    return value


def build_parser() -> argparse.ArgumentParser:
    """The parser of ``dcmview export``."""
    p = argparse.ArgumentParser(
        prog="dcmview export",
        description="Write one frame as PNG (-o) or the frames as an animation (--cine), "
        "rendered as the viewer's PNG route renders them. No patient text is drawn.",
        epilog="examples:\n"
        "  dcmview export scan.dcm --frame 3 --window 40,400 -o slice.png\n"
        "  dcmview export cine.dcm --cine loop.webp --fps 15\n"
        "  dcmview export cine.dcm --cine loop.mp4   (needs pip install 'dcmview[video]')\n",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("path", metavar="PATH", help="one DICOM file")
    out = p.add_mutually_exclusive_group(required=True)
    out.add_argument("-o", "--output", metavar="OUT.png", help="write one frame as PNG")
    out.add_argument(
        "--cine", metavar="OUT", help="write the frames as .webp, .png (APNG), .gif or .mp4"
    )
    p.add_argument("--frame", type=int, default=0, metavar="N", help="0-based frame for -o")
    p.add_argument(
        "--frames", type=_frames, metavar="LIST", help="frames for --cine: 0-9,12 (default all)"
    )
    p.add_argument(
        "--window",
        type=_window,
        metavar="C,W",
        help="center,width in modality values, or a preset (lung, bone, ...), dicom, full; "
        "default: the file's window",
    )
    p.add_argument("--level", type=int, default=0, metavar="N", help="resolution level (1/2**N)")
    p.add_argument("--fps", type=_positive, help="frames per second (default: the file's, or 10)")
    p.add_argument(
        "--annotations", metavar="CSV", help="draw this EMBED CSV's boxes for the file in"
    )
    return p


def main(argv: Sequence[str]) -> int:
    """Run ``dcmview export``; return its exit code."""
    parser = build_parser()
    try:
        ns = parser.parse_args(list(argv))
    except SystemExit as exc:
        return int(exc.code or 0)
    from dcmview.sdk.errors import DcmviewError

    try:
        _export(ns)
    except (DcmviewError, OSError) as exc:
        print(f"dcmview: error: {exc}", file=sys.stderr)
        return 1
    return 0


def _export(ns: argparse.Namespace) -> None:
    from dcmview.sdk.errors import InvalidPathError
    from dcmview.sdk.instance import open as open_instance

    if not os.path.isfile(ns.path):
        raise InvalidPathError(f"not a file: {ns.path}", path=ns.path)
    instance = open_instance(ns.path)
    rois = None
    if ns.annotations:
        from dcmview.sdk.roi import RoiSet

        rois = RoiSet.from_embed_csv(ns.annotations, errors="warn").for_instance(instance.header)
    if ns.output:
        from dcmview.sdk.export import frame_png

        frame = instance.frame(ns.frame)
        body = frame_png(frame, window=ns.window, level=ns.level, rois=rois)
        with open(ns.output, "wb") as f:
            f.write(body)
        print(f"dcmview: wrote {ns.output} (frame {ns.frame}, {len(body)} bytes)")
        return
    written = instance.export_cine(
        ns.cine, window=ns.window, fps=ns.fps, frames=ns.frames, level=ns.level, rois=rois
    )
    print(f"dcmview: wrote {ns.cine} ({len(written)} frames)")
