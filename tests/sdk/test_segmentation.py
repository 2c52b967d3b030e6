"""sdk.segmentation: every source frame's mask equals highdicom's own reading.

The corpus's SEGs (binary and fractional, on the CT series and the tomosynthesis
stack) and SEGs built here with highdicom (a label map with recommended colours,
one that refers by geometry only, broken ones) are read with the SDK and with
highdicom, and compared frame by frame.
"""

from __future__ import annotations

import copy
from pathlib import Path

import highdicom as hd
import numpy as np
import pydicom
import pytest
from pydicom.sr.codedict import codes

import dcmview.sdk as sdk
from dcmview.sdk.segmentation import Segmentation, lab_to_rgb, read_segmentation

SEGS = [
    "ct/SEG_binary_organs.dcm",
    "ct/SEG_fractional_liver.dcm",
    "mg/SEG_binary_lesions_dbt.dcm",
    "mg/SEG_fractional_lesions_dbt.dcm",
]


@pytest.fixture(scope="module")
def catalog(corpus_ci: Path) -> sdk.Catalog:
    cat = sdk.scan(str(corpus_ci))
    cat.wait()
    return cat


def _highdicom(ref: hd.seg.Segmentation, uid: str, frame: int, multi: bool) -> np.ndarray:
    if multi:
        return ref.get_pixels_by_source_frame(uid, [frame + 1])[0]
    return ref.get_pixels_by_source_instance([uid])[0]


@pytest.mark.parametrize("name", SEGS)
def test_every_source_frame_equals_highdicom(corpus_ci: Path, catalog: sdk.Catalog, name: str):
    path = corpus_ci / "derived" / name
    seg = read_segmentation(path, catalog)
    ref = hd.seg.segread(path)
    assert [s.number for s in seg.segments] == ref.segment_numbers
    assert seg.type == ref.segmentation_type.value
    assert seg.missing_sources() == []
    # every frame of every referenced source instance, with or without masks
    sources = {s.index for s in seg.sources}
    checked = 0
    for index in sorted(i for i in sources if i is not None):
        src = catalog[index]
        multi = src.number_of_frames > 1
        for f in range(src.number_of_frames):
            mine = seg.mask(src, f)
            named = seg.frames_for(src, f)
            if named:
                theirs = _highdicom(ref, src.sop_instance_uid, f, multi)
                assert mine.dtype == theirs.dtype
                np.testing.assert_array_equal(mine, theirs)
                checked += 1
            else:
                assert not mine.any()  # highdicom has no frame to compare with here
    assert checked == len(seg.sources)


def test_segments_and_summary(corpus_ci: Path, catalog: sdk.Catalog) -> None:
    seg = read_segmentation(corpus_ci / "derived/ct/SEG_binary_organs.dcm", catalog)
    liver = seg.segment(1)
    assert liver.label == "liver"
    assert liver.type is not None
    assert liver.type.meaning == "Liver"
    assert liver.category is not None
    assert liver.category.scheme == "SCT"
    summary = seg.to_json()
    assert summary["type"] == "BINARY"
    assert len(summary["segments"]) == 6
    assert summary["segments"][0]["color_hex"].startswith("#")
    labels = seg.label_map(seg.sources[10].sop_instance_uid, 0)
    assert labels.dtype == np.uint16
    assert set(np.unique(labels)) <= {0, 1, 2, 3, 4, 5, 6}
    rgba = seg.overlay(catalog[seg.sources[10].index], 0, opacity=0.5)
    assert rgba.shape == (256, 256, 4)
    assert set(np.unique(rgba[..., 3])) <= {0, 128}
    assert (rgba[..., 3] > 0).sum() == (labels > 0).sum()
    # A colour chosen for segment 1 paints its pixels; the others keep theirs.
    source = catalog[seg.sources[10].index]
    painted = seg.overlay(source, 0, opacity=1.0, colors={1: (1, 2, 3)})
    np.testing.assert_array_equal(
        painted[labels == 1][:, :3], np.tile((1, 2, 3), ((labels == 1).sum(), 1))
    )
    others = labels > 1
    np.testing.assert_array_equal(painted[others], seg.overlay(source, 0, opacity=1.0)[others])
    # The SEG's own frames (the predecessor's form) take the same colours.
    k = seg.frames_for(source, 0)[0]
    own = seg.frame_overlay(k, 1.0, colors=dict.fromkeys(range(1, 7), (9, 9, 9)))
    assert (own[own[..., 3] > 0][:, :3] == 9).all()


def _ct(catalog: sdk.Catalog) -> list[pydicom.Dataset]:
    files = sorted(h.path for h in catalog.headers if "series_002_" in h.path)
    return [pydicom.dcmread(p) for p in files[:6]]


def _description(n: int, label: str, lab: tuple[int, int, int] | None = None):
    return hd.seg.SegmentDescription(
        segment_number=n,
        segment_label=label,
        segmented_property_category=codes.SCT.Organ,
        segmented_property_type=codes.SCT.Liver if n == 1 else codes.SCT.Spleen,
        algorithm_type=hd.seg.SegmentAlgorithmTypeValues.MANUAL,
        display_color=hd.color.CIELabColor(*lab) if lab else None,
    )


def _build(sources, pixels, kind, descriptions) -> hd.seg.Segmentation:
    return hd.seg.Segmentation(
        source_images=sources,
        pixel_array=pixels,
        segmentation_type=kind,
        segment_descriptions=descriptions,
        series_instance_uid=hd.UID(),
        series_number=77,
        sop_instance_uid=hd.UID(),
        instance_number=1,
        manufacturer="dcmview tests",
        manufacturer_model_name="test",
        software_versions="0",
        device_serial_number="0",
    )


def test_label_map_with_colours(tmp_path: Path, catalog: sdk.Catalog) -> None:
    sources = _ct(catalog)
    labels = np.zeros((6, 256, 256), np.uint8)
    labels[:, 60:120, 40:100] = 1
    labels[2:5, 150:200, 150:220] = 2
    descriptions = [
        _description(1, "liver", (50.0, 40.0, 30.0)),
        _description(2, "spleen", (60.0, -20.0, 10.0)),
    ]
    built = _build(sources, labels, hd.seg.SegmentationTypeValues.LABELMAP, descriptions)
    path = tmp_path / "labelmap.dcm"
    built.save_as(path)
    seg = read_segmentation(path)
    ref = hd.seg.segread(path)
    assert seg.type == "LABELMAP"
    for s, d in zip(seg.segments, descriptions, strict=True):
        assert s.recommended
        assert s.color == lab_to_rgb(d.RecommendedDisplayCIELabValue)
    for ds in sources:
        mine = seg.mask(ds.SOPInstanceUID)
        theirs = ref.get_pixels_by_source_instance([ds.SOPInstanceUID])[0]
        np.testing.assert_array_equal(mine, theirs.astype(mine.dtype))
        np.testing.assert_array_equal(seg.label_map(ds.SOPInstanceUID), labels[sources.index(ds)])


def _by_geometry(seg: hd.seg.Segmentation) -> pydicom.Dataset:
    """The SEG without its source references: placed by Frame of Reference and plane."""
    ds = copy.deepcopy(pydicom.Dataset(seg))
    ds.file_meta = seg.file_meta
    for item in ds.PerFrameFunctionalGroupsSequence:
        del item.DerivationImageSequence
    del ds.ReferencedSeriesSequence
    return ds


def test_seg_by_geometry(tmp_path: Path, catalog: sdk.Catalog) -> None:
    sources = _ct(catalog)
    masks = np.zeros((6, 256, 256, 1), bool)
    masks[1:4, 100:140, 90:130, 0] = True
    built = _build(sources, masks, hd.seg.SegmentationTypeValues.BINARY, [_description(1, "box")])
    expected = {ds.SOPInstanceUID: m for ds, m in zip(sources, masks[..., 0], strict=True)}
    path = tmp_path / "geometry.dcm"
    _by_geometry(built).save_as(path, enforce_file_format=True)
    seg = read_segmentation(path, catalog)
    assert seg.by_geometry
    for i, h in enumerate(catalog.headers):
        if h.sop_instance_uid in expected:
            mask = seg.mask(catalog[i])[..., 0]
            np.testing.assert_array_equal(mask, expected[h.sop_instance_uid])
    # without a catalog a UID alone cannot be placed
    with pytest.raises(sdk.MissingSourceError, match="geometry.dcm"):
        read_segmentation(path).mask(sources[0].SOPInstanceUID)
    # another Frame of Reference: not its source
    mr = next(i for i, h in enumerate(catalog.headers) if h.modality == "MR")
    with pytest.raises(sdk.MissingSourceError):
        seg.mask(catalog[mr])

    # the same planes on another pixel grid: a typed mismatch, not a wrong overlay
    ds = pydicom.dcmread(path)
    ds.SharedFunctionalGroupsSequence[0].PixelMeasuresSequence[0].PixelSpacing = [0.5, 0.5]
    ds.save_as(tmp_path / "grid.dcm")
    with pytest.raises(sdk.GeometryMismatchError, match="grid.dcm"):
        read_segmentation(tmp_path / "grid.dcm", catalog).mask(
            catalog[_index_of(catalog, sources[2])]
        )


def _index_of(catalog: sdk.Catalog, ds: pydicom.Dataset) -> int:
    return next(i for i, h in enumerate(catalog.headers) if h.sop_instance_uid == ds.SOPInstanceUID)


def test_typed_errors(tmp_path: Path, corpus_ci: Path, catalog: sdk.Catalog) -> None:
    ct = next(h.path for h in catalog.headers if "series_002_" in h.path)
    with pytest.raises(sdk.WrongObjectKindError, match="is not a Segmentation"):
        read_segmentation(ct)
    src = corpus_ci / "derived/ct/SEG_binary_organs.dcm"
    ds = pydicom.dcmread(src)
    del ds.SegmentSequence
    ds.save_as(tmp_path / "noseg.dcm")
    with pytest.raises(sdk.DerivedObjectError, match="noseg.dcm"):
        read_segmentation(tmp_path / "noseg.dcm")
    ds = pydicom.dcmread(src)
    item = ds.PerFrameFunctionalGroupsSequence[0].SegmentIdentificationSequence[0]
    item.ReferencedSegmentNumber = 42
    ds.save_as(tmp_path / "badframe.dcm")
    with pytest.raises(sdk.DerivedObjectError, match="segment 42"):
        read_segmentation(tmp_path / "badframe.dcm")
    # a SEG read on its own names sources it cannot find
    seg = read_segmentation(src)
    assert isinstance(seg, Segmentation)
    assert len(seg.missing_sources()) == 40
    # a source of another size
    mg = next(i for i, h in enumerate(catalog.headers) if h.path.endswith("L_CC_explicit_le.dcm"))
    with pytest.raises(sdk.MissingSourceError):
        seg.mask(catalog[mg])
    with pytest.raises(sdk.DerivedObjectError, match="no segment 9"):
        seg.mask(seg.sources[0].sop_instance_uid, segments=[9])
