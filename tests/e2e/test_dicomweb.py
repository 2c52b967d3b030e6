"""The viewer on a DICOMweb archive: ``dcmview URL`` against a real Orthanc, in Chromium.

The first image the viewer draws comes from frames fetched through WADO-RS, and equals
the server's PNG of the same frame; the file list holds every uploaded instance.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator

import pytest

from tests.e2e.helpers import Server, assert_matches_server, open_file, open_viewer, start_server
from tests.orthanc import OrthancCorpus

pytestmark = [pytest.mark.e2e, pytest.mark.corpus]


@pytest.fixture(scope="module")
def archive_server(orthanc_ci: OrthancCorpus) -> Iterator[Server]:
    user, password = orthanc_ci.server.auth
    header = "Authorization: Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()
    srv = start_server([orthanc_ci.server.dicomweb], "--header", header)
    yield srv
    srv.stop()


def test_viewer_shows_an_image_of_the_archive(
    browser, archive_server: Server, orthanc_ci: OrthancCorpus
) -> None:
    with archive_server.client() as api:
        files = api.get("/api/files").json()["files"]
        assert len(files) == len(orthanc_ci.accepted)
        v = open_viewer(browser, archive_server.url)
        try:
            page = v.page
            page.wait_for_selector(".navigator [data-kind='instance']", timeout=60_000)
            # A CT slice of the archive, opened as a user does (the first file listed may
            # be a document or a derived object).
            ct = next(f for f in files if f["modality"] == "CT" and f["has_pixels"])
            open_file(v, ct)
            index = ct["index"]
            assert files[index]["path"].startswith(orthanc_ci.server.dicomweb + "/studies/")
            assert_matches_server(v, api, index, 0)
            # The frames came from the viewer's API, never from the archive directly.
            assert not [u for u in v.requests if orthanc_ci.server.dicomweb in u]
            assert v.errors == []
        finally:
            v.page.context.close()
