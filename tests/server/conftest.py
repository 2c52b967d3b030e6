"""Fixtures of the server tests: a folder of real DICOM built in the test, apps, clients."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pydicom
import pytest
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.encaps import encapsulate
from pydicom.uid import UID, ExplicitVRLittleEndian, RLELossless, generate_uid

with warnings.catch_warnings():
    # Starlette 1.x prefers `httpx2` for its TestClient and warns at import
    # when it finds httpx; the client works the same.
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

from dcmview.sdk.cache import ByteCache
from dcmview.sdk.catalog import Catalog, scan
from dcmview.sdk.demo import write_demo
from dcmview.server import create_app
from tests.dicom_factory import make_dicom
from tests.server.helpers import BASE, TOKEN


def _no_pixels(path: Path) -> Path:
    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.file_meta.MediaStorageSOPClassUID = "1.2.840.10008.5.1.4.1.1.88.11"
    ds.SOPClassUID = "1.2.840.10008.5.1.4.1.1.88.11"
    ds.SOPInstanceUID = generate_uid()
    ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    ds.PatientID = "SR1"
    ds.Modality = "SR"
    ds.StudyInstanceUID = generate_uid()
    ds.SeriesInstanceUID = generate_uid()
    ds.save_as(path, enforce_file_format=True)
    return path


@pytest.fixture(scope="session")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo study plus files for particular cases (see the names)."""
    root = tmp_path_factory.mktemp("server-data")
    write_demo(root / "demo")
    extra = root / "cases"
    extra.mkdir()
    make_dicom(
        extra,
        "ct_padding.dcm",
        rows=64,
        columns=48,
        signed=True,
        bits_stored=12,
        modality="CT",
        window=(40, 400),
        rescale=(1, -1024),
        padding_value=-2000,
        arr=np.arange(64 * 48, dtype=np.int16).reshape(64, 48) % 2000 - 1000,
    )
    make_dicom(extra, "rle_3f.dcm", rows=32, columns=40, frames=3, transfer_syntax=RLELossless)
    _no_pixels(extra / "sr_no_pixels.dcm")
    bad = make_dicom(extra, "truncated.dcm", rows=64, columns=64)
    raw = bad.read_bytes()
    bad.write_bytes(raw[: len(raw) - 3000])
    (extra / "notes.txt").write_text("not DICOM")
    # Pixel data no decoder handles (422 unsupported_transfer_syntax) ...
    ds = pydicom.dcmread(make_dicom(extra, "mpeg2.dcm", rows=16, columns=16))
    ds.file_meta.TransferSyntaxUID = UID("1.2.840.10008.1.2.4.100")  # MPEG2 MP@ML
    ds.PixelData = encapsulate([b"\x00\x00\x01\xb3" + bytes(100)])
    ds["PixelData"].VR = "OB"
    ds["PixelData"].is_undefined_length = True
    ds.save_as(extra / "mpeg2.dcm", enforce_file_format=True)
    # ... and a layout that cannot describe a frame (422 unsupported_pixel_layout).
    ds = pydicom.dcmread(make_dicom(extra, "bits12.dcm", rows=16, columns=16))
    ds.BitsAllocated = 12
    ds.save_as(extra / "bits12.dcm", enforce_file_format=True)
    return root


@pytest.fixture
def make_client(data_dir: Path) -> Iterator[Callable[..., TestClient]]:
    """Build a fresh catalog + app + TestClient (keyword arguments go to create_app)."""
    clients: list[TestClient] = []

    def make(
        *, auth: bool = True, catalog: Catalog | None = None, base_url: str = BASE, **kw: Any
    ) -> TestClient:
        if catalog is None:
            cache = kw.pop("cache", None) or ByteCache(256 * 1024 * 1024)
            catalog = scan(data_dir, cache=cache)
            kw["cache"] = cache
        kw.setdefault("token", TOKEN)
        app = create_app(catalog, **kw)
        headers = {"Authorization": f"Bearer {TOKEN}"} if auth else {}
        client = TestClient(app, base_url=base_url, headers=headers, raise_server_exceptions=False)
        client.__enter__()
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.__exit__(None, None, None)


@pytest.fixture
def http(make_client: Callable[..., TestClient]) -> TestClient:
    """A client of a fresh app over `data_dir`, with the token."""
    return make_client()


@pytest.fixture
def catalog_of() -> Callable[[TestClient], Catalog]:
    """The catalog served by a client's app."""
    return lambda client: client.app.state.dcmview.catalog  # type: ignore[attr-defined]
