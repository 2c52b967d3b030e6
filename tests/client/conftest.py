"""Fixtures of the client tests: real DICOM built in the test, an app, clients, a viewer."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import numpy as np
import pydicom
import pytest
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.encaps import encapsulate
from pydicom.uid import UID, ExplicitVRLittleEndian, RLELossless, generate_uid

with warnings.catch_warnings():
    # Starlette's TestClient warns at import that it prefers `httpx2`; it works the same.
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

from dcmview.client import AsyncClient, Client
from dcmview.sdk.cache import ByteCache
from dcmview.sdk.catalog import scan
from dcmview.server import create_app
from tests.client.helpers import TOKEN, URL
from tests.dicom_factory import make_dicom


def _no_pixels(path: Path) -> None:
    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.SOPClassUID = ds.file_meta.MediaStorageSOPClassUID = "1.2.840.10008.5.1.4.1.1.88.11"
    ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID = generate_uid()
    ds.PatientID = "SR1"
    ds.Modality = "SR"
    ds.StudyInstanceUID = generate_uid()
    ds.SeriesInstanceUID = generate_uid()
    ds.save_as(path, enforce_file_format=True)


@pytest.fixture(scope="session")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Files for every pixel layout the client rebuilds, and for every error class."""
    root = tmp_path_factory.mktemp("client-data")
    make_dicom(root, "gray_u16.dcm", rows=40, columns=56, bits_stored=12)
    make_dicom(
        root,
        "ct_signed.dcm",
        rows=32,
        columns=24,
        signed=True,
        modality="CT",
        window=(40, 400),
        rescale=(1, -1024),
        arr=(np.arange(32 * 24, dtype=np.int16).reshape(32, 24) * 7 - 2000),
    )
    make_dicom(root, "rle_3f.dcm", rows=20, columns=30, frames=3, transfer_syntax=RLELossless)
    make_dicom(root, "rgb_2f.dcm", rows=16, columns=20, frames=2, samples=3, bits_allocated=8)
    make_dicom(root, "gray_u8.dcm", rows=10, columns=12, bits_allocated=8)
    make_dicom(
        root, "float32.dcm", rows=8, columns=9, bits_allocated=32, float_pixels="FloatPixelData"
    )
    _no_pixels(root / "sr_no_pixels.dcm")
    bad = make_dicom(root, "truncated.dcm", rows=64, columns=64)
    bad.write_bytes(bad.read_bytes()[:-3000])
    # Pixel data no decoder handles: 422 unsupported_transfer_syntax.
    ds = pydicom.dcmread(make_dicom(root, "mpeg2.dcm", rows=16, columns=16))
    ds.file_meta.TransferSyntaxUID = UID("1.2.840.10008.1.2.4.100")
    ds.PixelData = encapsulate([b"\x00\x00\x01\xb3" + bytes(100)])
    ds["PixelData"].VR = "OB"
    ds["PixelData"].is_undefined_length = True
    ds.save_as(root / "mpeg2.dcm", enforce_file_format=True)
    # A layout that cannot describe a frame: 422 unsupported_pixel_layout.
    ds = pydicom.dcmread(make_dicom(root, "bits12.dcm", rows=16, columns=16))
    ds.BitsAllocated = 12
    ds.save_as(root / "bits12.dcm", enforce_file_format=True)
    return root


@pytest.fixture
def app(data_dir: Path):
    """A fresh app (its own annotations) over `data_dir`, scanned to the end."""
    cache = ByteCache(64 * 1024 * 1024)
    catalog = scan(data_dir, cache=cache)
    catalog.wait()
    return create_app(catalog, token=TOKEN, cache=cache)


@pytest.fixture
def http(app) -> Iterator[TestClient]:
    """Starlette's TestClient: an httpx.Client that calls the app without a socket."""
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


@pytest.fixture
def client(http: TestClient) -> Iterator[Client]:
    """The production Client over the injected TestClient."""
    with Client(URL, http=http) as c:
        yield c


@pytest.fixture
def index_of(app) -> Callable[[str], int]:
    """The catalog index of the file called `name`."""
    catalog = app.state.dcmview.catalog

    def find(name: str) -> int:
        for i, h in enumerate(catalog.headers):
            if Path(h.path).name == name:
                return i
        raise LookupError(name)

    return find


@pytest.fixture
def async_client(app) -> Callable[[], AsyncClient]:
    """Make an AsyncClient over httpx's ASGITransport (create it inside the event loop)."""

    def make() -> AsyncClient:
        transport = httpx.ASGITransport(app=app)
        return AsyncClient(URL, http=httpx.AsyncClient(transport=transport))

    return make
