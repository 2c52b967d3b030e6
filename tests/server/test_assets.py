"""The viewer's files: text compressed once per coding, revalidated, never compressed twice."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from dcmview.server.app import STATIC_DIR
from dcmview.wire import decompress

# A script well over the compression threshold, and repetitive like real code.
SCRIPT = "".join(f"export function f{i}(x) {{ return x * {i}; }}\n" for i in range(400))
PNG = b"\x89PNG\r\n\x1a\n" + os.urandom(4000)  # content that a coding would not shrink


@pytest.fixture
def static(tmp_path: Path) -> Path:
    root = tmp_path / "static"
    (root / "assets").mkdir(parents=True)
    (root / "index.html").write_text("<!doctype html><title>viewer</title>")
    (root / "assets" / "index.js").write_text(SCRIPT)
    (root / "assets" / "icon.png").write_bytes(PNG)
    return root


@pytest.fixture
def client(make_client, static: Path):
    return make_client(static_dir=static, auth=False)


def _wire(client, path: str, **headers: str):
    with client.stream("GET", path, headers=headers) as r:
        return r, b"".join(r.iter_raw())


@pytest.mark.parametrize("coding", ["zstd", "gzip"])
def test_text_is_sent_compressed_in_the_coding_asked(client, coding: str) -> None:
    r, body = _wire(client, "/assets/index.js", **{"Accept-Encoding": coding})
    assert r.status_code == 200
    assert r.headers["content-encoding"] == coding
    assert r.headers["vary"] == "Accept-Encoding"
    assert r.headers["cache-control"] == "no-cache"
    assert int(r.headers["content-length"]) == len(body) < len(SCRIPT) / 4
    assert decompress([body], coding) == SCRIPT.encode()
    assert "javascript" in r.headers["content-type"]


def test_zstd_is_preferred_and_identity_is_the_file(client) -> None:
    r, _ = _wire(client, "/assets/index.js", **{"Accept-Encoding": "gzip, deflate, br, zstd"})
    assert r.headers["content-encoding"] == "zstd"
    r, body = _wire(client, "/assets/index.js", **{"Accept-Encoding": "identity"})
    assert "content-encoding" not in r.headers
    assert r.headers["vary"] == "Accept-Encoding"  # another client may get it compressed
    assert body == SCRIPT.encode()


def test_each_coding_has_its_own_etag_and_revalidates(client) -> None:
    tags = {}
    for coding in ("zstd", "gzip", "identity"):
        r, _ = _wire(client, "/assets/index.js", **{"Accept-Encoding": coding})
        tags[coding] = r.headers["etag"]
        again = client.get(
            "/assets/index.js",
            headers={"Accept-Encoding": coding, "If-None-Match": tags[coding]},
        )
        assert again.status_code == 304
        assert again.content == b""
        assert again.headers["etag"] == tags[coding]
        assert again.headers["vary"] == "Accept-Encoding"
        assert again.headers["cache-control"] == "no-cache"
    assert len(set(tags.values())) == 3
    # A tag of another coding does not validate this one.
    stale = client.get(
        "/assets/index.js", headers={"Accept-Encoding": "gzip", "If-None-Match": tags["zstd"]}
    )
    assert stale.status_code == 200


def test_a_rebuilt_file_is_compressed_again(client, static: Path) -> None:
    _wire(client, "/assets/index.js", **{"Accept-Encoding": "gzip"})
    new = SCRIPT.replace("return", "return  ")
    path = static / "assets" / "index.js"
    path.write_text(new)
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
    _, body = _wire(client, "/assets/index.js", **{"Accept-Encoding": "gzip"})
    assert decompress([body], "gzip") == new.encode()


def test_compressed_and_small_files_go_as_they_are(client) -> None:
    r, body = _wire(client, "/assets/icon.png", **{"Accept-Encoding": "gzip, zstd"})
    assert "content-encoding" not in r.headers
    assert "vary" not in r.headers
    assert r.headers["cache-control"] == "no-cache"
    assert body == PNG
    r, body = _wire(client, "/", **{"Accept-Encoding": "gzip, zstd"})  # index.html, < 1 KB
    assert "content-encoding" not in r.headers
    assert r.headers["vary"] == "Accept-Encoding"
    assert b"viewer" in body


def test_head_sends_the_headers_only(client) -> None:
    r = client.head("/assets/index.js", headers={"Accept-Encoding": "gzip"})
    assert r.status_code == 200
    assert r.headers["content-encoding"] == "gzip"
    assert r.content == b""


def test_missing_files_are_still_404(client) -> None:
    r = client.get("/assets/nope.js", headers={"Accept-Encoding": "gzip"})
    assert r.status_code == 404
    assert r.json()["code"] == "asset_not_found"


def test_the_packaged_bundle_is_sent_compressed(make_client) -> None:
    # The committed bundle (scripts/build-frontend keeps it current).
    client = make_client(auth=False)
    page = client.get("/").text
    for asset in ("assets/index.js", "assets/index.css"):
        assert asset in page
        r, body = _wire(client, "/" + asset, **{"Accept-Encoding": "gzip, deflate, br, zstd"})
        assert r.headers["content-encoding"] == "zstd"
        assert decompress([body], "zstd") == (STATIC_DIR / asset).read_bytes()
        assert len(body) < 0.5 * (STATIC_DIR / asset).stat().st_size
