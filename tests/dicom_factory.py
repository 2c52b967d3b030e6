"""Build real DICOM files in the test with pydicom: pixels, syntax, windows, functional groups.

Every file is a real Part 10 file (or, on request, one without preamble or
File Meta Information) written by pydicom, so the SDK reads what other DICOM
software would write. Compressed syntaxes use pydicom's own encoders (RLE,
JPEG-LS, JPEG 2000 through their plugins) or imagecodecs for the JPEG processes
pydicom cannot encode; how the frames are encapsulated (Basic Offset Table or
not, Extended Offset Table, fragments per frame) is chosen separately.

Examples
--------
>>> import tempfile, pathlib
>>> path = make_dicom(pathlib.Path(tempfile.mkdtemp()), rows=4, columns=5, frames=2)
>>> import pydicom
>>> pydicom.dcmread(path).pixel_array.shape
(2, 4, 5)
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pydicom
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.encaps import encapsulate, encapsulate_extended, generate_frames
from pydicom.sequence import Sequence as DicomSequence
from pydicom.uid import (
    JPEG2000,
    UID,
    DeflatedExplicitVRLittleEndian,
    ExplicitVRBigEndian,
    ExplicitVRLittleEndian,
    HTJ2KLossless,
    HTJ2KLosslessRPCL,
    ImplicitVRLittleEndian,
    JPEGBaseline8Bit,
    JPEGExtended12Bit,
    JPEGLosslessSV1,
    RLELossless,
    generate_uid,
)

__all__ = ["make_dataset", "make_dicom", "pixels", "write"]

SECONDARY_CAPTURE = "1.2.840.10008.5.1.4.1.1.7"
ENHANCED_CT = "1.2.840.10008.5.1.4.1.1.2.1"


def pixels(
    rows: int,
    columns: int,
    *,
    frames: int = 1,
    samples: int = 1,
    bits_stored: int = 16,
    signed: bool = False,
    dtype: str | None = None,
    seed: int = 0,
) -> np.ndarray:
    """Return smooth, compressible test pixels spanning the whole stored range.

    Shape (rows, columns), (frames, rows, columns) or with a trailing samples
    axis, like pydicom's ``pixel_array``. Each frame differs from the others.
    """
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:rows, 0:columns]
    lo = -(2 ** (bits_stored - 1)) if signed else 0
    hi = 2 ** (bits_stored - 1) - 1 if signed else 2**bits_stored - 1
    out = []
    for f in range(frames):
        planes = []
        for s in range(samples):
            ramp = (x * (s + 1) + y * (f + 2)) / max(rows + columns, 1) * 3
            wave = np.sin(ramp + f) * 0.5 + 0.5
            noise = rng.integers(0, 3, size=(rows, columns)) / 3
            value = lo + (hi - lo) * np.clip(wave * 0.98 + noise * 0.02, 0, 1)
            planes.append(np.round(value))
        frame = np.stack(planes, axis=-1) if samples > 1 else planes[0]
        out.append(frame)
    arr = np.stack(out) if frames > 1 else out[0]
    if dtype is None:
        container = 8 if bits_stored <= 8 else (16 if bits_stored <= 16 else 32)
        dtype = f"{'i' if signed else 'u'}{container // 8}"
    # The corner pixels hold the extremes, so full range is exercised.
    arr = arr.astype(dtype)
    flat = arr.reshape(-1, *arr.shape[-1:]) if samples > 1 else arr.reshape(-1)
    flat[0] = lo
    flat[-1] = hi
    return arr


def make_dataset(
    *,
    rows: int = 64,
    columns: int = 48,
    frames: int = 1,
    samples: int = 1,
    bits_allocated: int = 16,
    bits_stored: int | None = None,
    signed: bool = False,
    photometric: str | None = None,
    planar_configuration: int = 0,
    arr: np.ndarray | None = None,
    float_pixels: str | None = None,
    garbage_high_bits: bool = False,
    modality: str = "OT",
    sop_class_uid: str = SECONDARY_CAPTURE,
    window: tuple[float, float] | None = None,
    rescale: tuple[float, float] | None = None,
    padding_value: int | None = None,
    per_frame_windows: Sequence[tuple[float, float]] | None = None,
    shared_window: tuple[float, float] | None = None,
    palette: bool = False,
    seed: int = 0,
) -> Dataset:
    """Return a Dataset with native little-endian pixel data and the Image Pixel module.

    Parameters
    ----------
    float_pixels : {"FloatPixelData", "DoubleFloatPixelData"}, optional
        Store float32 / float64 samples in that element instead of Pixel Data.
    garbage_high_bits : bool
        Set random bits above Bits Stored (PS3.5 8.1.1 says readers ignore them).
    per_frame_windows, shared_window : optional
        Window center/width in the Per-frame / Shared Functional Groups
        (Frame VOI LUT Sequence), as in enhanced multi-frame IODs.
    palette : bool
        PALETTE COLOR with 256-entry 16-bit LUTs (samples must be 1, 8-bit).
    """
    bits_stored = bits_stored if bits_stored is not None else bits_allocated
    if photometric is None:
        photometric = "PALETTE COLOR" if palette else ("RGB" if samples == 3 else "MONOCHROME2")
    ds = Dataset()
    ds.SOPClassUID = sop_class_uid
    ds.SOPInstanceUID = generate_uid(entropy_srcs=[f"dcmview-test-{seed}"])
    ds.StudyInstanceUID = generate_uid(entropy_srcs=["dcmview-study"])
    ds.SeriesInstanceUID = generate_uid(entropy_srcs=["dcmview-series"])
    ds.PatientID = "TEST"
    ds.PatientName = "Test^Factory"
    ds.Modality = modality
    ds.InstanceNumber = 1
    ds.Rows = rows
    ds.Columns = columns
    ds.SamplesPerPixel = samples
    ds.PhotometricInterpretation = photometric
    ds.BitsAllocated = bits_allocated
    if frames > 1:
        ds.NumberOfFrames = frames
    if samples > 1:
        ds.PlanarConfiguration = planar_configuration

    if float_pixels:
        dtype = "<f4" if float_pixels == "FloatPixelData" else "<f8"
        values = arr if arr is not None else pixels(rows, columns, frames=frames, bits_stored=12)
        setattr(ds, float_pixels, values.astype(dtype).tobytes())
        return ds

    ds.BitsStored = bits_stored
    ds.HighBit = bits_stored - 1
    ds.PixelRepresentation = int(signed)
    if arr is None:
        arr = pixels(
            rows,
            columns,
            frames=frames,
            samples=samples,
            bits_stored=bits_stored,
            signed=signed,
            dtype=f"{'i' if signed else 'u'}{max(bits_allocated // 8, 1)}",
            seed=seed,
        )
    data = np.ascontiguousarray(arr)
    if samples > 1 and planar_configuration == 1:
        # Colour-by-plane (PS3.3 C.7.6.3.1.3): all R, then all G, then all B per frame.
        data = np.ascontiguousarray(np.moveaxis(data, -1, -3))
    if garbage_high_bits and bits_stored < bits_allocated:
        rng = np.random.default_rng(seed + 1)
        unsigned = data.view(f"u{data.dtype.itemsize}")
        noise = rng.integers(0, 2 ** (bits_allocated - bits_stored), size=unsigned.shape)
        data = (unsigned | (noise.astype(unsigned.dtype) << bits_stored)).view(data.dtype)
    if bits_allocated == 1:
        # PS3.5 8.1.1: 1-bit pixels are packed 8 to a byte, frames not byte-aligned.
        from pydicom.pixels import pack_bits

        ds.PixelData = pack_bits(data.astype("u1") & 1)
    else:
        ds.PixelData = data.astype(data.dtype.newbyteorder("<")).tobytes()
    if padding_value is not None:
        ds.PixelPaddingValue = padding_value
    if window is not None:
        ds.WindowCenter, ds.WindowWidth = window
    if rescale is not None:
        ds.RescaleSlope, ds.RescaleIntercept = rescale
        ds.RescaleType = "HU"
    if per_frame_windows is not None or shared_window is not None:
        _functional_groups(ds, frames, per_frame_windows, shared_window)
    if palette:
        ramp = np.arange(256, dtype="<u2") * 257
        for color, lut in (("Red", ramp), ("Green", ramp[::-1].copy()), ("Blue", ramp // 2)):
            setattr(ds, f"{color}PaletteColorLookupTableDescriptor", [256, 0, 16])
            setattr(ds, f"{color}PaletteColorLookupTableData", lut.tobytes())
    return ds


def _functional_groups(
    ds: Dataset,
    frames: int,
    per_frame: Sequence[tuple[float, float]] | None,
    shared: tuple[float, float] | None,
) -> None:
    def voi(center: float, width: float) -> Dataset:
        item = Dataset()
        item.WindowCenter = center
        item.WindowWidth = width
        group = Dataset()
        group.FrameVOILUTSequence = DicomSequence([item])
        return group

    if shared is not None:
        ds.SharedFunctionalGroupsSequence = DicomSequence([voi(*shared)])
    if per_frame is not None:
        ds.PerFrameFunctionalGroupsSequence = DicomSequence(
            [voi(*per_frame[i % len(per_frame)]) for i in range(frames)]
        )


def _compress(
    ds: Dataset,
    transfer_syntax: UID,
    *,
    lossy_error: int | None = None,
) -> list[bytes]:
    """Encode every frame; return the encoded frames."""
    arr = ds.pixel_array if "PixelData" in ds else None
    frames = int(ds.get("NumberOfFrames", 1) or 1)
    if transfer_syntax in (HTJ2KLossless, HTJ2KLosslessRPCL):
        # pydicom 3.0 has no HTJ2K encoder; OpenJPH (imagecodecs) writes it. For
        # colour the reversible colour transform is used: YBR_RCT (PS3.3 C.7.6.3.1.2).
        import imagecodecs

        assert arr is not None
        stack = arr if frames > 1 else arr[None]
        colour = int(ds.SamplesPerPixel) == 3
        if colour:
            ds.PhotometricInterpretation = "YBR_RCT"
        return [
            bytes(imagecodecs.htj2k_encode(frame, reversible=True, rgb=colour)) for frame in stack
        ]
    if transfer_syntax in (JPEGBaseline8Bit, JPEGExtended12Bit, JPEGLosslessSV1):
        # pydicom has no JPEG encoder; libjpeg-turbo (imagecodecs) writes these.
        import imagecodecs

        assert arr is not None
        stack = arr if frames > 1 else arr[None]
        out = []
        for frame in stack:
            if transfer_syntax == JPEGLosslessSV1:
                out.append(
                    imagecodecs.jpeg8_encode(
                        frame, lossless=True, predictor=1, bitspersample=int(ds.BitsStored)
                    )
                )
            elif transfer_syntax == JPEGExtended12Bit:
                out.append(imagecodecs.jpeg8_encode(frame, level=90, bitspersample=12))
            else:
                # YBR_FULL_422 is what a baseline JPEG with 2x1 chroma subsampling holds.
                out.append(imagecodecs.jpeg8_encode(frame, level=90, subsampling="422"))
        return [bytes(f) for f in out]
    if transfer_syntax == RLELossless:
        # pydicom's own RLE encoder; validate=False lets it write 32-bit colour
        # (12 segments, within the 15 of PS3.5 G.2) that its option check refuses.
        from pydicom.pixels.encoders import RLELosslessEncoder
        from pydicom.pixels.utils import as_pixel_options

        assert arr is not None
        stack = arr if frames > 1 else arr[None]
        opts = as_pixel_options(ds)
        opts.update(number_of_frames=1, planar_configuration=0)
        return [
            RLELosslessEncoder.encode(frame, encoding_plugin="pydicom", validate=False, **opts)
            for frame in stack
        ]
    kwargs: dict[str, Any] = {}
    if lossy_error is not None:
        kwargs["jls_error"] = lossy_error
    if transfer_syntax == JPEG2000:
        kwargs["j2k_cr"] = [10]  # lossy JPEG 2000 needs a compression ratio
    ds.compress(transfer_syntax, generate_instance_uid=False, **kwargs)
    return list(generate_frames(ds.PixelData, number_of_frames=frames))


def write(
    ds: Dataset,
    path: Path,
    *,
    transfer_syntax: str = ExplicitVRLittleEndian,
    fragments_per_frame: int = 1,
    basic_offset_table: bool = True,
    extended_offset_table: bool = False,
    lossy_error: int | None = None,
    preamble: bool = True,
    file_meta: bool = True,
) -> Path:
    """Write `ds` to `path` in `transfer_syntax`; return `path`.

    Parameters
    ----------
    fragments_per_frame : int
        Split each encoded frame into this many fragments (PS3.5 A.4).
    basic_offset_table : bool
        Fill the Basic Offset Table (else it is empty).
    extended_offset_table : bool
        Use the Extended Offset Table (7FE0,0001/0002) and an empty BOT.
    lossy_error : int, optional
        JPEG-LS NEAR parameter (JPEG-LS Near-Lossless).
    preamble, file_meta : bool
        Write without the 128-byte preamble and ``DICM`` and/or without the File
        Meta Information (then the data set is Implicit VR Little Endian).
    """
    tsyntax = UID(transfer_syntax)
    ds = ds.copy()
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = ds.SOPClassUID
    meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    meta.TransferSyntaxUID = ExplicitVRLittleEndian  # what make_dataset holds
    ds.file_meta = meta
    photometric = None
    if tsyntax.is_encapsulated:
        if tsyntax == JPEGBaseline8Bit and int(ds.SamplesPerPixel) == 3:
            photometric = "YBR_FULL_422"
        frames = _compress(ds, tsyntax, lossy_error=lossy_error)
        if extended_offset_table:
            data, offsets, lengths = encapsulate_extended(frames)
            ds.ExtendedOffsetTable = offsets
            ds.ExtendedOffsetTableLengths = lengths
        else:
            data = encapsulate(
                frames, fragments_per_frame=fragments_per_frame, has_bot=basic_offset_table
            )
        ds.PixelData = data
        ds["PixelData"].VR = "OB"
        ds["PixelData"].is_undefined_length = True
        if photometric:
            ds.PhotometricInterpretation = photometric
        if "PlanarConfiguration" in ds:
            ds.PlanarConfiguration = 0
    elif tsyntax == ExplicitVRBigEndian and "PixelData" in ds:
        # pydicom writes the value bytes as given: swap 16/32-bit samples to big endian.
        bits = int(ds.BitsAllocated)
        if bits > 8:
            values = np.frombuffer(ds.PixelData, dtype=f"<u{bits // 8}")
            ds.PixelData = values.byteswap().tobytes()
        ds["PixelData"].VR = "OW" if bits > 8 else "OB"

    meta.TransferSyntaxUID = tsyntax
    if not file_meta:
        # ACR-NEMA style: no preamble, no DICM, no group 0002, Implicit VR LE.
        bare = ds.copy()
        del bare.file_meta
        pydicom.dcmwrite(path, bare, implicit_vr=True, little_endian=True)
        return path
    little = tsyntax != ExplicitVRBigEndian
    implicit = tsyntax == ImplicitVRLittleEndian
    if tsyntax == DeflatedExplicitVRLittleEndian:
        little, implicit = True, False
    ds.save_as(path, enforce_file_format=True, little_endian=little, implicit_vr=implicit)
    if not preamble:
        raw = path.read_bytes()
        path.write_bytes(raw[132:])
    return path


def make_dicom(
    directory: Path,
    name: str = "test.dcm",
    *,
    transfer_syntax: str = ExplicitVRLittleEndian,
    fragments_per_frame: int = 1,
    basic_offset_table: bool = True,
    extended_offset_table: bool = False,
    lossy_error: int | None = None,
    preamble: bool = True,
    file_meta: bool = True,
    **dataset: Any,
) -> Path:
    """Build a dataset (:func:`make_dataset` keywords) and write it (:func:`write`)."""
    ds = make_dataset(**dataset)
    return write(
        ds,
        directory / name,
        transfer_syntax=transfer_syntax,
        fragments_per_frame=fragments_per_frame,
        basic_offset_table=basic_offset_table,
        extended_offset_table=extended_offset_table,
        lossy_error=lossy_error,
        preamble=preamble,
        file_meta=file_meta,
    )
