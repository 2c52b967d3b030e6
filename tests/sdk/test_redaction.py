"""sdk.redaction and Frame(redactions=...): boxes filled before anything sees the samples."""

from __future__ import annotations

import numpy as np
import pydicom.examples
import pytest

from dcmview.sdk.cache import ByteCache
from dcmview.sdk.errors import RedactionError
from dcmview.sdk.header import Header
from dcmview.sdk.instance import Instance
from dcmview.sdk.redaction import boxes_for_frame, burned_in_text, read_redactions, redact
from dcmview.sdk.roi import Roi

CT = pydicom.examples.get_path("ct")  # 128 x 128, int16
BOX = Roi(10, 20, 30, 40)


def test_redact_fills_the_box_with_the_smallest_sample_and_copies() -> None:
    a = np.arange(100, 200, dtype=np.int16).reshape(10, 10)
    out = redact(a, [Roi(2, 3, 4, 5)])
    assert (out[2:5, 3:6] == 100).all()
    assert out[1, 3] == a[1, 3]
    assert out[2, 6] == a[2, 6]
    assert a[3, 4] == 134  # the input is untouched
    rgb = np.full((4, 4, 3), 200, np.uint8)
    assert (redact(rgb, [Roi(0, 0, 1, 1)])[:2, :2] == 0).all()


def test_level_boxes_cover_every_block_they_touch() -> None:
    a = np.full((8, 8), 9, np.uint16)
    a[0, 0] = 1
    out = redact(a, [Roi(3, 3, 4, 4)], level=1)  # full rows 3..4 -> level rows 1..2
    assert (out[1:3, 1:3] == 1).all()
    assert out[0, 1] == 9
    assert out[3, 3] == 9


def test_frame_methods_see_only_the_redacted_samples() -> None:
    frame = Instance(CT).frame(0)
    plain = frame.array()
    arr = frame.array(redactions=[BOX])
    assert (arr[10:31, 20:41] == plain.min()).all()
    assert frame.pixel(15, 25, redactions=[BOX]).stored == plain.min()
    png_plain, png = frame.render("lung"), frame.render("lung", redactions=[BOX])
    assert (png[10:31, 20:41] == png[10, 20]).all()
    assert (png[50:, 50:] == png_plain[50:, 50:]).all()
    level1 = frame.array(1, redactions=[BOX])
    assert (level1[5:16, 10:21] == level1.min()).all()


def test_boxes_of_other_frames_do_not_apply() -> None:
    frame = Instance(CT).frame(0)
    only3 = Roi(0, 0, 5, 5, frames=(3,))
    assert boxes_for_frame([only3, BOX], 0) == (BOX,)
    assert (frame.array(redactions=[only3]) == frame.array()).all()
    assert frame.cache_key(0, [only3]) == frame.key


def test_cache_holds_the_redacted_frame_under_its_own_key_and_not_the_plain_one() -> None:
    cache = ByteCache(64 * 1024 * 1024)
    frame = Instance(CT, cache=cache).frame(0)
    frame.array()
    assert frame.key in cache
    arr = frame.array(redactions=[BOX])
    assert frame.cache_key(0, [BOX]) in cache
    assert frame.key not in cache
    assert not arr.flags.writeable
    moved = Roi(50, 50, 60, 60)
    arr2 = frame.array(redactions=[moved])
    assert frame.cache_key(0, [moved]) != frame.cache_key(0, [BOX])
    assert arr2[15, 25] != arr2.min() or arr[15, 25] == arr2[15, 25]
    assert (arr2[50:61, 50:61] == arr2.min()).all()


def test_read_redactions_checks_the_image() -> None:
    h = Header(path="/x.dcm", rows=10, columns=20, number_of_frames=2, has_pixels=True)
    assert read_redactions({"roi_coords": [[1, 2, 3, 4]], "roi_frames": [[1]]}, h) == (
        Roi(1, 2, 3, 4, frames=(1,)),
    )
    for body, text in [
        ({"roi_coords": [[0, 0, 10, 1]]}, "outside the image"),
        ({"roi_coords": [[0, 0, 1, 20]]}, "outside the image"),
        ({"roi_coords": [[0, 0, 1, 1]], "roi_frames": [[2]]}, "frame 2"),
        ({"roi_coords": 3}, "redactions JSON"),
        (None, "redactions JSON"),
    ]:
        with pytest.raises(RedactionError, match=text):
            read_redactions(body, h)
    with pytest.raises(RedactionError, match="without an image"):
        read_redactions({"roi_coords": []}, Header(path="/sr.dcm"))


def test_burned_in_text() -> None:
    img = Header(path="a", has_pixels=True, modality="CT")
    assert burned_in_text(img) is None
    assert burned_in_text(img.replace(burned_in_annotation="YES")) == "yes"
    assert burned_in_text(img.replace(modality="US")) == "likely"
    assert burned_in_text(img.replace(sop_class_uid="1.2.840.10008.5.1.4.1.1.7.2")) == "likely"
    assert burned_in_text(img.replace(modality="US", burned_in_annotation="NO")) is None
