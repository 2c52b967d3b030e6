"""The real ``dcmview`` process: start-up lines, JSON events, exit codes, signals, sockets."""

from __future__ import annotations

import json
import os
import signal
import socket
import stat
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from dcmview.cli import build_parser, parse_size
from tests.dicom_factory import make_dicom

DCMVIEW = [sys.executable, "-m", "dcmview"]
SCRIPT = Path(sys.executable).with_name("dcmview")


def run(*args: str, timeout: float = 60, env: dict[str, str] | None = None):
    return subprocess.run(
        [*DCMVIEW, "--no-browser", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
        check=False,
    )


def events(stdout: str) -> dict[str, dict]:
    out = {}
    for line in stdout.splitlines():
        if line.startswith("{"):
            event = json.loads(line)
            out[event["type"]] = event
    return out


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("cli")
    make_dicom(root, "ct1.dcm", modality="CT", rows=16, columns=16)
    make_dicom(root, "mr1.dcm", modality="MR", rows=16, columns=16, seed=1)
    sub = root / "sub"
    sub.mkdir()
    make_dicom(sub, "ct2.dcm", modality="CT", rows=16, columns=16, seed=2)
    (root / "readme.txt").write_text("not DICOM")
    return root


class Server:
    """A dcmview process started in the background, read until it listens."""

    def __init__(self, *args: str, env: dict[str, str] | None = None) -> None:
        self.proc = subprocess.Popen(
            [*DCMVIEW, "--no-browser", "--startup-json", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, **(env or {})},
        )
        self.lines: list[str] = []
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append(line)
            if line.startswith('{"type": "server_started"'):
                self.started = json.loads(line)
                break
        else:
            raise AssertionError(f"no server_started event: {self.lines} {self.proc.stderr.read()}")

    def wait_scan(self) -> dict:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append(line)
            if line.startswith('{"type": "scan_complete"'):
                return json.loads(line)
        raise AssertionError(self.lines)

    def stop(self, sig: int = signal.SIGTERM) -> tuple[int, str, str]:
        self.proc.send_signal(sig)
        out, err = self.proc.communicate(timeout=20)
        return self.proc.returncode, "".join(self.lines) + out, err


def test_startup_lines_and_json_events(folder: Path) -> None:
    r = run("--startup-json", "--timeout", "0", str(folder))
    assert r.returncode == 0, r.stderr
    ev = events(r.stdout)
    started = ev["server_started"]
    assert set(started) >= {"type", "url", "base_url", "token", "host", "port", "protocol"}
    assert started["protocol"] == 1
    assert started["host"] == "127.0.0.1"
    assert started["base_url"] == f"http://127.0.0.1:{started['port']}"
    assert started["url"] == f"{started['base_url']}/#token={started['token']}"
    assert len(started["token"]) == 43
    assert ev["scan_complete"] == {
        "type": "scan_complete",
        "file_count": 3,
        "skipped": 1,
        "filtered": 0,
    }
    assert f"dcmview: server running at {started['url']}\n" in r.stdout
    assert "ssh -L" in r.stdout
    assert "Traceback" not in r.stderr


def test_console_script_and_token_from_env(folder: Path) -> None:
    assert SCRIPT.exists()
    r = subprocess.run(
        [str(SCRIPT), "--no-browser", "--timeout", "0", "--startup-json", str(folder)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={**os.environ, "DCMVIEW_TOKEN": "fixed-token"},
    )
    assert r.returncode == 0, r.stderr
    assert events(r.stdout)["server_started"]["token"] == "fixed-token"


@pytest.mark.parametrize(
    ("args", "count", "filtered"),
    [
        pytest.param(["--filter", "modality=ct"], 2, 1, id="filter-field"),
        pytest.param(["--filter", "Modality=MR"], 1, 2, id="filter-keyword"),
        pytest.param(
            ["--filter", "modality=ct", "--filter", "patient_id=nobody"], 0, 3, id="filter-and"
        ),
        pytest.param(["--no-recursive"], 2, 0, id="no-recursive"),
    ],
)
def test_filters_and_recursion(folder: Path, args: list[str], count: int, filtered: int) -> None:
    r = run("--startup-json", "--timeout", "0", *args, str(folder))
    assert r.returncode == (0 if count else 1), r.stderr
    ev = events(r.stdout)["scan_complete"]
    assert (ev["file_count"], ev["filtered"]) == (count, filtered)
    if not count:
        # One error line; a scan slowed past a second by a loaded machine may also
        # print progress lines, which are not errors.
        lines = [ln for ln in r.stderr.splitlines() if not ln.startswith("dcmview: scanning...")]
        assert len(lines) == 1, r.stderr
        assert "no viewable DICOM files" in lines[0]


def test_ci_corpus(corpus_ci: Path) -> None:
    r = run("--startup-json", "--timeout", "0", str(corpus_ci))
    assert r.returncode == 0, r.stderr
    ev = events(r.stdout)["scan_complete"]
    assert ev["file_count"] > 80
    assert ev["skipped"] > 0
    assert "Traceback" not in r.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(["/no/such/dir"], "no such file or directory: /no/such/dir", id="bad-path"),
        pytest.param(
            ["--annotations", "/no/such.csv", "{folder}"], "cannot read", id="csv-missing"
        ),
        pytest.param(
            ["--annotations", "{folder}/bad_header.csv", "{folder}"],
            "ROI_coords",
            id="csv-no-column",
        ),
        pytest.param(
            ["--unix-socket", "{folder}/readme.txt", "{folder}"],
            "not a socket",
            id="socket-path-is-file",
        ),
    ],
)
def test_unusable_inputs_exit_1_with_one_line(folder: Path, args: list[str], message: str) -> None:
    (folder / "bad_header.csv").write_text("anon_dicom_path,coords\na.dcm,[]\n")
    r = run("--timeout", "0", *[a.format(folder=folder) for a in args])
    assert r.returncode == 1, (r.stdout, r.stderr)
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    assert lines[0].startswith("dcmview: error:")
    assert message in lines[0]


def test_a_port_in_use_exits_1_with_one_line(folder: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        r = run("--timeout", "0", "--port", str(port), str(folder))
    assert r.returncode == 1, (r.stdout, r.stderr)
    assert (
        r.stderr == f"dcmview: error: cannot listen on 127.0.0.1:{port}: Address already in use\n"
    )
    assert "server running" not in r.stdout


def test_a_filter_on_a_sequence_is_a_usage_error(folder: Path) -> None:
    # pydicom knows the keyword, so the command's own check once let it through;
    # scan() refuses it (a sequence has no text to match) only after the server
    # had started. The command now asks the SDK's check, before anything starts.
    r = run("--timeout", "0", "--filter", "ReferencedImageSequence=1.2", str(folder))
    assert r.returncode == 2, (r.stdout, r.stderr)
    assert r.stderr.startswith("usage: dcmview")
    assert (
        "dcmview: error: --filter ReferencedImageSequence=1.2: filter field "
        "'ReferencedImageSequence' is a sequence (SQ)"
    ) in r.stderr
    assert r.stdout == ""


def test_nothing_viewable_exits_1(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("hello")
    r = run("--timeout", "0", str(tmp_path))
    assert r.returncode == 1
    assert "no viewable DICOM files" in r.stderr
    assert "Traceback" not in r.stderr


def test_bad_csv_row_is_a_warning_and_the_rest_loads(folder: Path, tmp_path: Path) -> None:
    csv = tmp_path / "rois.csv"
    bad_row = f'{folder / "mr1.dcm"},"[[1,2,oops]]",[[]]'
    csv.write_text(
        "anon_dicom_path,ROI_coords,ROI_frames\n"
        f'{folder / "ct1.dcm"},"[[1,2,3,4]]",[[]]\n'
        f"{bad_row}\n"
        f'{folder / "sub" / "ct2.dcm"},"[[5,6,7,8]]",[[]]\n'
    )
    server = Server("--annotations", str(csv), str(folder))
    server.wait_scan()
    base, token = server.started["base_url"], server.started["token"]
    auth = {"Authorization": f"Bearer {token}"}
    files = httpx.get(f"{base}/api/files", headers=auth).json()
    idx = {Path(f["path"]).name: f["index"] for f in files["files"]}
    got = {
        name: httpx.get(f"{base}/api/file/{idx[name]}/annotations", headers=auth).json()
        for name in ("ct1.dcm", "mr1.dcm", "ct2.dcm")
    }
    exported = httpx.get(f"{base}/api/annotations/export.csv", headers=auth).text
    code, _, err = server.stop()
    assert code == 0
    assert got["ct1.dcm"]["roi_coords"] == [[1, 2, 3, 4]]
    assert got["ct2.dcm"]["roi_coords"] == [[5, 6, 7, 8]]
    assert got["mr1.dcm"]["num_roi"] == 0  # the bad row is not applied ...
    assert exported.splitlines()[2] == bad_row  # ... and exported as read
    assert exported == csv.read_text()
    warnings = [line for line in err.splitlines() if "warning" in line]
    assert len(warnings) == 1, err
    assert f"{csv} row 3, column ROI_coords" in warnings[0]
    assert "oops" in warnings[0]


def test_many_bad_csv_rows_are_warned_about_up_to_a_cap(folder: Path, tmp_path: Path) -> None:
    csv = tmp_path / "rois.csv"
    rows = [f'{folder / "ct1.dcm"},"[[1,2,3,4]]"'] + [f'bad{i}.dcm,"[[{i}]]"' for i in range(14)]
    csv.write_text("anon_dicom_path,ROI_coords\n" + "\n".join(rows) + "\n")
    r = run("--timeout", "0", "--annotations", str(csv), str(folder))
    assert r.returncode == 0, r.stderr
    warnings = [line for line in r.stderr.splitlines() if line.startswith("dcmview: warning:")]
    assert [f"row {i + 3}," in w for i, w in enumerate(warnings[:10])] == [True] * 10
    assert f"... and 4 more bad rows in {csv}" in warnings[10]
    assert "Traceback" not in r.stderr


@pytest.mark.parametrize(
    "args",
    [
        pytest.param([], id="no-path"),
        pytest.param(["--port", "abc", "x"], id="port-text"),
        pytest.param(["--port", "70000", "x"], id="port-range"),
        pytest.param(["--cache-budget", "1MiB", "x"], id="budget-too-small"),
        pytest.param(["--cache-budget", "lots", "x"], id="budget-text"),
        pytest.param(["--timeout", "-1", "x"], id="negative-timeout"),
        pytest.param(["--filter", "modality", "x"], id="filter-no-equals"),
        pytest.param(["--filter", "NoSuchKeyword=1", "{folder}"], id="filter-unknown-field"),
        pytest.param(["--tunnel", "x"], id="tunnel-without-host"),
        pytest.param(["--tunnel", "--tunnel-host", "-oProxyCommand=id", "x"], id="tunnel-dash"),
        pytest.param(["--bogus", "x"], id="unknown-option"),
    ],
)
def test_usage_errors_exit_2(folder: Path, args: list[str]) -> None:
    r = run(*[a.format(folder=folder) for a in args])
    assert r.returncode == 2, (r.stdout, r.stderr)
    assert "usage: dcmview" in r.stderr
    assert "Traceback" not in r.stderr


def test_version_and_help() -> None:
    r = subprocess.run([*DCMVIEW, "--version"], capture_output=True, text=True, check=False)
    assert r.returncode == 0
    assert r.stdout.startswith("dcmview ")
    text = build_parser().format_help()
    for option in (
        "--unix-socket",
        "--no-token",
        "--cache-budget",
        "--startup-json",
        "--tunnel",
        "--tunnel-host",
        "--tunnel-port",
        "--allow-host",
        "--demo",
        "--annotations",
        "--filter",
        "--no-recursive",
        "--timeout",
        "--host",
        "--port",
    ):
        assert option in text


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("16MiB", 16 << 20),
        ("1GiB", 1 << 30),
        ("700 MiB", 700 << 20),
        ("2g", 2 << 30),
        ("20000000", 20_000_000),
        ("1.5GiB", 3 << 29),
    ],
)
def test_parse_size(text: str, value: int) -> None:
    assert parse_size(text) == value


def test_sigterm_exits_0_and_serves_until_then(folder: Path) -> None:
    server = Server(str(folder))
    scan = server.wait_scan()
    base, token = server.started["base_url"], server.started["token"]
    health = httpx.get(f"{base}/api/health", headers={"Authorization": f"Bearer {token}"})
    assert health.json()["file_count"] == scan["file_count"] == 3
    assert httpx.get(f"{base}/api/health").status_code == 401
    code, out, err = server.stop(signal.SIGTERM)
    assert code == 0, err
    assert "shutting down" in out
    assert "Traceback" not in err


def test_sigint_exits_0(folder: Path) -> None:
    server = Server(str(folder))
    server.wait_scan()
    code, _, err = server.stop(signal.SIGINT)
    assert code == 0, err


def test_idle_timeout_exits_0(folder: Path) -> None:
    start = time.monotonic()
    r = run("--timeout", "1", str(folder))
    assert r.returncode == 0, r.stderr
    assert time.monotonic() - start >= 1
    assert "idle" in r.stdout


def test_unix_socket_is_private_and_removed(folder: Path, tmp_path: Path) -> None:
    sock = tmp_path / "dcmview.sock"
    server = Server("--unix-socket", str(sock), str(folder))
    server.wait_scan()
    assert stat.S_ISSOCK(sock.stat().st_mode)
    assert stat.S_IMODE(sock.stat().st_mode) == 0o600
    assert server.started["unix_socket"] == str(sock)
    assert server.started["port"] is None
    transport = httpx.HTTPTransport(uds=str(sock))
    with httpx.Client(transport=transport, base_url="http://localhost") as client:
        token = server.started["token"]
        r = client.get("/api/files", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200
    assert len(r.json()["files"]) == 3
    code, _, err = server.stop()
    assert code == 0, err
    assert not sock.exists()


def test_no_token_warns_and_serves(folder: Path) -> None:
    server = Server("--no-token", str(folder))
    server.wait_scan()
    r = httpx.get(f"{server.started['base_url']}/api/health")
    code, _, err = server.stop()
    assert r.status_code == 200
    assert server.started["token"] is None
    assert "--no-token" in err
    assert code == 0


def test_demo_study_is_served_and_removed() -> None:
    server = Server("--demo")
    scan = server.wait_scan()
    base, token = server.started["base_url"], server.started["token"]
    files = httpx.get(f"{base}/api/files", headers={"Authorization": f"Bearer {token}"}).json()
    code, _, err = server.stop()
    assert code == 0, err
    assert scan["file_count"] == 26
    kinds = {(f["modality"], f["frame_count"]) for f in files["files"]}
    assert {("CT", 1), ("MG", 16), ("US", 12)} <= kinds
    assert not Path(files["files"][0]["path"]).exists()


def test_tunnel_without_ssh_is_one_clear_line(folder: Path, tmp_path: Path) -> None:
    r = run(
        "--tunnel",
        "--tunnel-host",
        "example.org",
        "--timeout",
        "0",
        str(folder),
        env={"PATH": str(tmp_path)},
    )
    assert r.returncode == 1
    assert (
        r.stderr.strip() == "dcmview: error: --tunnel needs the ssh command, which is not on PATH"
    )


def test_a_reader_that_goes_away_does_not_stop_the_server() -> None:
    # `dcmview ... | head -1`: stdout closes while the server runs; it keeps
    # serving, exits 0 at --timeout and prints no traceback.
    import pydicom.examples

    proc = subprocess.Popen(
        [sys.executable, "-m", "dcmview", "--no-browser", "--startup-json", "--port", "0"]
        + ["--timeout", "1", str(pydicom.examples.get_path("ct"))],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    assert proc.stderr is not None
    event = json.loads(next(line for line in proc.stdout if line.startswith("{")))
    proc.stdout.close()
    answer = httpx.get(
        event["base_url"] + "/api/health",
        headers={"Authorization": f"Bearer {event['token']}"},
        timeout=10,
    )
    assert answer.status_code == 200
    assert proc.wait(timeout=30) == 0
    with proc.stderr:
        assert "Traceback" not in proc.stderr.read()
