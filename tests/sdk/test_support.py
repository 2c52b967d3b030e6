"""classify(): object kind, support state, raw windowing and display facts from a Header."""

from __future__ import annotations

from pathlib import Path
from typing import get_args

import pytest
from pydicom import uid
from pydicom.dataset import Dataset
from pydicom.pixels import pixel_array
from pydicom.sequence import Sequence

from dcmview.sdk import _headerrecord, support
from dcmview.sdk._headerscan import read_header
from dcmview.sdk.errors import DcmviewError, UnsupportedError
from dcmview.sdk.header import Header
from dcmview.sdk.instance import Instance
from dcmview.sdk.support import classify, object_kind, pixel_aspect_ratio
from tests.bundled import bundled_files, bundled_id
from tests.corpus import manifest, params
from tests.dicom_factory import make_dataset, write

# -- object kind ---------------------------------------------------------------------

KINDS = [
    # What the predecessor answers too.
    (uid.CTImageStorage, "classic_image"),
    (uid.MRImageStorage, "classic_image"),
    (uid.ComputedRadiographyImageStorage, "classic_image"),
    (uid.DigitalMammographyXRayImageStorageForPresentation, "classic_image"),
    (uid.UltrasoundMultiFrameImageStorage, "classic_image"),
    (uid.SecondaryCaptureImageStorage, "classic_image"),
    (uid.PositronEmissionTomographyImageStorage, "classic_image"),
    (uid.EnhancedCTImageStorage, "enhanced_image"),
    (uid.EnhancedMRImageStorage, "enhanced_image"),
    (uid.EnhancedPETImageStorage, "enhanced_image"),
    (uid.VLWholeSlideMicroscopyImageStorage, "whole_slide_microscopy"),
    (uid.SegmentationStorage, "segmentation"),
    ("1.2.840.10008.5.1.4.1.1.66.7", "segmentation"),  # Label Map Segmentation
    (uid.ParametricMapStorage, "parametric_map"),
    (uid.GrayscaleSoftcopyPresentationStateStorage, "presentation_state"),
    (uid.BasicTextSRStorage, "structured_report"),
    (uid.ComprehensiveSRStorage, "structured_report"),
    (uid.KeyObjectSelectionDocumentStorage, "key_object_selection"),
    (uid.EncapsulatedPDFStorage, "encapsulated_pdf"),
    (uid.SpatialRegistrationStorage, "registration"),
    (uid.RealWorldValueMappingStorage, "real_world_value_mapping"),
    (uid.RTDoseStorage, "radiation_therapy"),
    (uid.RTStructureSetStorage, "radiation_therapy"),
    (uid.TwelveLeadECGWaveformStorage, "waveform"),
    (uid.EncapsulatedCDAStorage, "unknown"),
    ("1.2.3.4.5", "unknown"),
    ("", "unknown"),
    # Where the predecessor answers "unknown" (docs/http-api.md).
    (uid.BreastTomosynthesisImageStorage, "enhanced_image"),
    (uid.LegacyConvertedEnhancedCTImageStorage, "enhanced_image"),
    (uid.EnhancedXAImageStorage, "enhanced_image"),
    (uid.DigitalXRayImageStorageForProcessing, "classic_image"),
    (uid.MultiFrameTrueColorSecondaryCaptureImageStorage, "classic_image"),
    (uid.EnhancedSRStorage, "structured_report"),
    (uid.XRayRadiationDoseSRStorage, "structured_report"),
    (uid.PseudoColorSoftcopyPresentationStateStorage, "presentation_state"),
    (uid.GeneralAudioWaveformStorage, "waveform"),
    (uid.RTIonPlanStorage, "radiation_therapy"),
]


@pytest.mark.parametrize(("sop_class", "kind"), KINDS, ids=[k[0] or "empty" for k in KINDS])
def test_object_kind(sop_class, kind):
    assert object_kind(sop_class) == kind


def test_enhanced_images_get_functional_group_spacing():
    # The scan reads Pixel Spacing from the functional groups of these classes.
    enhanced = {u for u, kind in support._EXACT.items() if kind == "enhanced_image"}
    assert enhanced <= _headerrecord.FUNCTIONAL_GROUP_CLASSES


def test_object_kinds_are_the_predecessors_vocabulary():
    vocabulary = set(get_args(support.ObjectKind))
    assert {kind for _, kind in KINDS} <= vocabulary
    assert len(vocabulary) == 14


# -- support state on built files ----------------------------------------------------------


def _voi_lut(ds: Dataset) -> None:
    item = Dataset()
    item.LUTDescriptor = [256, 0, 16]
    item.LUTData = list(range(0, 65536, 256))
    item["LUTData"].VR = "US"
    ds.VOILUTSequence = Sequence([item])


def _modality_lut(ds: Dataset) -> None:
    item = Dataset()
    item.LUTDescriptor = [256, 0, 16]
    item.LUTData = list(range(0, 65536, 256))
    item["LUTData"].VR = "US"
    item.ModalityLUTType = "HU"
    ds.ModalityLUTSequence = Sequence([item])


def _build(tmp: Path, name: str, syntax: str = uid.ExplicitVRLittleEndian, post=None, **kw):
    kw.setdefault("rows", 16)
    kw.setdefault("columns", 16)
    ds = make_dataset(**kw)
    if post is not None:
        post(ds)
    return write(ds, tmp / name, transfer_syntax=syntax)


def _set(**attrs):
    def post(ds: Dataset) -> None:
        for key, value in attrs.items():
            if value is None:
                delattr(ds, key)
            else:
                setattr(ds, key, value)

    return post


def _strip_pixels(ds: Dataset) -> None:
    for keyword in ("PixelData", "Rows", "Columns", "BitsAllocated", "PhotometricInterpretation"):
        delattr(ds, keyword)


# (id, builder keywords, support_state, support_reason)
STATES = [
    ("native", {}, "renderable", None),
    (
        "no-pixel-data",
        {"post": _strip_pixels},
        "metadata_only",
        "pixel_data.absent_or_unrecognized",
    ),
    # Decoded here, refused by the predecessor (transfer_syntax.not_supported / jpeg_ls_...).
    ("j2k-lossy", {"syntax": uid.JPEG2000, "rows": 64, "columns": 64}, "renderable", None),
    (
        "jpeg-extended-12bit",
        {"syntax": uid.JPEGExtended12Bit, "bits_stored": 12},
        "renderable",
        None,
    ),
    ("jpeg-ls-near-lossless", {"syntax": uid.JPEGLSNearLossless}, "renderable", None),
    ("htj2k", {"syntax": uid.HTJ2KLossless}, "renderable", None),
    ("rgb-16bit", {"samples": 3, "bits_allocated": 16}, "renderable", None),
    ("float", {"float_pixels": "FloatPixelData", "bits_allocated": 32}, "renderable", None),
    ("bits-1", {"bits_allocated": 1, "bits_stored": 1}, "renderable", None),
    ("palette", {"palette": True, "bits_allocated": 8}, "renderable", None),
    ("rows-0", {"post": _set(Rows=0)}, "unsupported", "pixel_layout.invalid_geometry"),
    (
        "columns-absent",
        {"post": _set(Columns=None)},
        "unsupported",
        "pixel_layout.invalid_geometry",
    ),
    (
        "bits-allocated-12",
        {"post": _set(BitsAllocated=12, BitsStored=12, HighBit=11)},
        "unsupported",
        "pixel_layout.numeric_precision_not_supported",
    ),
    (
        "bits-allocated-24",
        {"post": _set(BitsAllocated=24, BitsStored=24, HighBit=23, PixelData=bytes(16 * 16 * 3))},
        "unsupported",
        "pixel_layout.numeric_precision_not_supported",
    ),
    ("bits-allocated-64", {"bits_allocated": 64, "bits_stored": 64}, "renderable", None),
    (
        "samples-4",
        {"samples": 4, "bits_allocated": 8, "photometric": "CMYK"},
        "unsupported",
        "pixel_layout.samples_per_pixel_not_supported",
    ),
    (
        "photometric-unknown",
        {"post": _set(PhotometricInterpretation="FOO")},
        "unsupported",
        "pixel_layout.photometric_interpretation_not_supported",
    ),
    (
        "photometric-absent",
        {"post": _set(PhotometricInterpretation=None)},
        "unsupported",
        "pixel_layout.photometric_interpretation_not_supported",
    ),
]


@pytest.mark.parametrize(
    ("kw", "state", "reason"), [s[1:] for s in STATES], ids=[s[0] for s in STATES]
)
def test_support_state(tmp_path, kw, state, reason):
    path = _build(tmp_path, "f.dcm", **kw)
    header = read_header(str(path))
    assert isinstance(header, Header)
    got = classify(header)
    assert (got.support_state, got.support_reason) == (state, reason)
    # The classification says what decoding the first frame does.
    instance = Instance(str(path))
    if state == "renderable":
        assert instance.frame(0).png()[:4] == b"\x89PNG"
    elif state == "unsupported":
        # UnsupportedError mostly; a photometric interpretation pydicom does not know
        # is a DecodeError (pydicom's ValueError): an error answer either way.
        with pytest.raises(DcmviewError):
            instance.frame(0).array()


@pytest.mark.parametrize(
    ("syntax", "reason"),
    [
        ("1.2.840.10008.1.2.4.100", "transfer_syntax.not_supported"),  # MPEG-2
        ("1.2.840.10008.1.2.4.94", "transfer_syntax.not_supported"),  # JPIP
        ("1.2.840.10008.1.2.4.110", "transfer_syntax.jpeg_xl_not_supported"),
        ("1.2.840.10008.1.2.4.112", "transfer_syntax.jpeg_xl_not_supported"),
        ("1.2.3.4.5.6", "transfer_syntax.not_supported"),  # private
    ],
    ids=["mpeg2", "jpip", "jpeg-xl-lossless", "jpeg-xl", "private"],
)
def test_transfer_syntax_not_decodable(syntax, reason):
    header = Header(path="/a.dcm", transfer_syntax_uid=syntax, has_pixels=True, rows=4, columns=4)
    header = header.replace(bits_allocated=16, photometric_interpretation="MONOCHROME2")
    assert (classify(header).support_state, classify(header).support_reason) == (
        "unsupported",
        reason,
    )


def test_jpeg_ls_without_a_decoder(monkeypatch):
    # The predecessor's own reason when JPEG-LS cannot be decoded.
    monkeypatch.setattr(support, "_decodable", lambda ts: False)
    header = Header(
        path="/a.dcm",
        transfer_syntax_uid=uid.JPEGLSNearLossless,
        has_pixels=True,
        rows=4,
        columns=4,
        bits_allocated=16,
        photometric_interpretation="MONOCHROME2",
    )
    assert classify(header).support_reason == "transfer_syntax.jpeg_ls_not_supported"


def test_too_large_is_unsupported():
    # Instance refuses such a frame before allocating it (ImageTooLargeError).
    header = Header(
        path="/a.dcm",
        transfer_syntax_uid=uid.ExplicitVRLittleEndian,
        has_pixels=True,
        rows=40_000,
        columns=40_000,
        bits_allocated=16,
        photometric_interpretation="MONOCHROME2",
    )
    assert classify(header).support_reason == "pixel_layout.image_too_large"
    assert classify(header.replace(rows=4000)).support_state == "renderable"


# -- raw windowing -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kw", "compatible", "reason"),
    [
        ({"window": (40, 400)}, True, None),
        ({"post": _voi_lut}, False, "voi_lut.table_not_in_raw"),
        ({"post": _voi_lut, "window": (40, 400)}, False, "voi_lut.table_not_in_raw"),
        ({"post": _modality_lut}, False, "modality_lut.table_not_in_raw"),
        ({"post": _voi_lut, "samples": 3, "bits_allocated": 8}, True, None),  # colour
        ({"post": lambda ds: (_voi_lut(ds), _strip_pixels(ds))}, True, None),  # no pixels
    ],
    ids=["window", "voi-lut", "voi-lut-and-window", "modality-lut", "colour", "no-pixels"],
)
def test_raw_windowing(tmp_path, kw, compatible, reason):
    got = classify(read_header(str(_build(tmp_path, "f.dcm", **kw))))
    assert (got.raw_windowing_compatible, got.raw_windowing_reason) == (compatible, reason)


# -- burned-in annotation, aspect ratio, presentation layer ------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [("YES", True), ("yes", True), ("YES\\NO", True), ("NO", False), ("Y", False), (None, False)],
)
def test_burned_in_annotation(tmp_path, value, expected):
    post = _set(BurnedInAnnotation=value) if value is not None else None
    header = read_header(str(_build(tmp_path, "f.dcm", post=post)))
    assert classify(header).burned_in_annotation is expected
    assert classify(header).presentation_layer is False


def _shared_pixel_spacing(spacing):
    def post(ds: Dataset) -> None:
        measures = Dataset()
        measures.PixelSpacing = spacing
        group = Dataset()
        group.PixelMeasuresSequence = Sequence([measures])
        ds.SharedFunctionalGroupsSequence = Sequence([group])

    return post


@pytest.mark.parametrize(
    ("attrs", "frames", "expected"),
    [
        ({}, 1, None),
        ({"PixelSpacing": [0.5, 0.5]}, 1, 1.0),
        ({"PixelSpacing": [0.5, 0.25]}, 1, 2.0),  # rows 0.5 mm apart: pixels twice as tall
        ({"PixelSpacing": [0.25, 0.5]}, 1, 0.5),
        ({"PixelAspectRatio": [4, 3]}, 1, 4 / 3),
        ({"PixelSpacing": [0.2, 0.1], "PixelAspectRatio": [4, 3]}, 1, 2.0),
        ({"PixelSpacing": [0, 0.5], "PixelAspectRatio": [4, 3]}, 1, 4 / 3),
        ({"ImagerPixelSpacing": [0.2, 0.1]}, 1, 2.0),
        ({"PixelSpacing": [0.1, 0.1], "ImagerPixelSpacing": [0.2, 0.1]}, 1, 1.0),
        ({"PixelSpacing": [0.2, 0.1, 0.3]}, 1, None),
        ({"PixelAspectRatio": [0, 1]}, 1, None),
        ({"shared": [0.4, 0.2]}, 3, 2.0),
    ],
    ids=[
        "none",
        "square",
        "tall",
        "wide",
        "aspect-ratio",
        "spacing-first",
        "bad-spacing-then-ratio",
        "imager-spacing",
        "spacing-before-imager",
        "three-values",
        "zero-ratio",
        "shared-functional-groups",
    ],
)
def test_pixel_aspect_ratio(tmp_path, attrs, frames, expected):
    attrs = dict(attrs)
    shared = attrs.pop("shared", None)
    posts = [_set(**attrs)]
    if shared is not None:
        posts.append(_shared_pixel_spacing(shared))
    path = _build(
        tmp_path,
        "f.dcm",
        frames=frames,
        sop_class_uid=uid.EnhancedCTImageStorage if frames > 1 else uid.CTImageStorage,
        post=lambda ds: [p(ds) for p in posts],
    )
    header = read_header(str(path))
    assert classify(header).pixel_aspect_ratio == pytest.approx(expected)
    assert pixel_aspect_ratio(header) == classify(header).pixel_aspect_ratio


def test_classify_reads_nothing():
    # A Header is all it needs: no file behind it.
    got = classify(Header(path="/nowhere/a.dcm", sop_class_uid=uid.CTImageStorage))
    assert got.object_kind == "classic_image"
    assert got.support_state == "metadata_only"


# -- agreement with decoding on pydicom's bundled files ------------------------------------

BUNDLED = [p for p in bundled_files(".dcm") if isinstance(read_header(p), Header)]


@pytest.mark.parametrize("path", BUNDLED, ids=[bundled_id(p) for p in BUNDLED])
def test_bundled_file_state_agrees_with_decoding(path):
    got = classify(read_header(path))
    instance = Instance(path)
    if got.support_state == "metadata_only":
        assert not instance.header.has_pixels
        return
    try:
        instance.frame(0).array()
    except UnsupportedError as exc:
        if got.support_state != "unsupported":
            try:
                pixel_array(path, index=0)
            except Exception:  # a header too broken for pydicom's decoders too: both refuse
                return
            raise AssertionError(f"decoding refused a 'renderable' file: {exc}") from exc
        return
    except DcmviewError:
        return  # corrupt data: only decoding finds out
    assert got.support_state == "renderable", got


# -- the ci corpus, expected values written out ----------------------------------------------

# Exceptions to: classic_image, renderable, square pixels (every CT, MR and MG file).
CORPUS_EXPECTED: dict[str, dict[str, object]] = {
    "edge/sr_basic_text_no_pixels.dcm": {
        "object_kind": "structured_report",
        "support_state": "metadata_only",
        "support_reason": "pixel_data.absent_or_unrecognized",
        "pixel_aspect_ratio": None,
    },
    "edge/nested_sequences_private_tags.dcm": {"pixel_aspect_ratio": None},
    # The predecessor: "unknown"; breast tomosynthesis is a functional-group image IOD.
    "mg/CORPUS-MG0001/20240117_MAMMO/DBT_L_CC_12f_j2k_lossless.dcm": {
        "object_kind": "enhanced_image"
    },
    "mg/CORPUS-MG0001/20240117_MAMMO/DBT_L_CC_12f_rle_lossless.dcm": {
        "object_kind": "enhanced_image"
    },
    # Ultrasound without Pixel Spacing.
    "us/CORPUS-US0001/20240118_US_CAROTID/cine_rgb_20f_explicit_le.dcm": {
        "pixel_aspect_ratio": None
    },
    "us/CORPUS-US0001/20240118_US_CAROTID/cine_ybr_full_422_20f_jpeg_baseline.dcm": {
        "pixel_aspect_ratio": None
    },
    "us/CORPUS-US0001/20240118_US_CAROTID/frame_jpeg_baseline_ybr_full_422.dcm": {
        "pixel_aspect_ratio": None
    },
    "us/CORPUS-US0001/20240118_US_CAROTID/palette_color_8bit.dcm": {"pixel_aspect_ratio": None},
    # The predecessor: unsupported, transfer_syntax.not_supported; decoded here.
    "mg/CORPUS-MG0001/20240117_MAMMO/L_CC_j2k_lossy.dcm": {"support_state": "renderable"},
    "mg/CORPUS-MG0001/20240117_MAMMO/L_CC_jpeg_extended_12bit.dcm": {"support_state": "renderable"},
    # Beyond the predecessor (which calls it renderable): the file ends inside Pixel Data.
    "edge/truncated_pixel_data.dcm": {
        "support_state": "unsupported",
        "support_reason": "pixel_data.truncated",
    },
    # Derived objects (tests/corpus/derived.py).
    "derived/ct/RTDOSE_plan.dcm": {"object_kind": "radiation_therapy"},
    "derived/ct/RTSTRUCT_organs.dcm": {
        "object_kind": "radiation_therapy",
        "support_state": "metadata_only",
        "support_reason": "pixel_data.absent_or_unrecognized",
        "pixel_aspect_ratio": None,
    },
    "derived/ct/SEG_binary_organs.dcm": {"object_kind": "segmentation"},
    "derived/ct/SEG_fractional_liver.dcm": {"object_kind": "segmentation"},
    "derived/mg/SEG_binary_lesions_dbt.dcm": {"object_kind": "segmentation"},
    "derived/mg/SEG_fractional_lesions_dbt.dcm": {"object_kind": "segmentation"},
    "derived/mg/GSPS_L_CC_findings.dcm": {
        "object_kind": "presentation_state",
        "support_state": "metadata_only",
        "support_reason": "pixel_data.absent_or_unrecognized",
        "pixel_aspect_ratio": None,
    },
    "derived/ct/GSPS_CT_display.dcm": {
        "object_kind": "presentation_state",
        "support_state": "metadata_only",
        "support_reason": "pixel_data.absent_or_unrecognized",
        "pixel_aspect_ratio": None,
    },
    "derived/mr/PMAP_T1.dcm": {"object_kind": "parametric_map"},
    # Overlay Planes (tests/corpus/overlays.py): Secondary Capture, no pixel spacing.
    "edge/overlay_planes_single.dcm": {"presentation_layer": True, "pixel_aspect_ratio": None},
    "edge/overlay_planes_multiframe.dcm": {
        "presentation_layer": True,
        "pixel_aspect_ratio": None,
    },
    # SEGs broken on purpose (tests/corpus/broken_derived.py): still SEGs with pixels.
    "derived_broken/SEG_missing_source.dcm": {"object_kind": "segmentation"},
    "derived_broken/SEG_wrong_geometry.dcm": {"object_kind": "segmentation"},
    "derived_broken/SEG_broken_encoding.dcm": {"object_kind": "segmentation"},
}


@pytest.mark.corpus
@pytest.mark.parametrize("row", params([r for r in manifest() if r["expect"] != "not_dicom"]))
def test_corpus_classification(row):
    header = read_header(row["abspath"])
    assert isinstance(header, Header)
    expected = {
        "object_kind": "classic_image",
        "support_state": "renderable",
        "support_reason": None,
        "raw_windowing_compatible": True,
        "raw_windowing_reason": None,
        "presentation_layer": False,
        "burned_in_annotation": False,
        "pixel_aspect_ratio": 1.0,
        **CORPUS_EXPECTED.get(row["path"], {}),
    }
    got = classify(header)
    assert {key: getattr(got, key) for key in expected} == expected
