"""Oversize and slow uploads against the real server (`manage.py serve`, uvicorn, embedded
worker): a body over the limit is refused by its Content-Length before it is sent, or as it
streams when it has none; a body that stalls or trickles is cut off with 408. Meanwhile the
server answers everyone else at once, and afterwards a normal photo is still read."""

import json
import socket
import threading
import time
import urllib.request

import pytest

from ocr.labels import label_bytes
from tests.services import embedded_env, manage, serving

LIMIT = 2_000_000
IDLE, TOTAL = 2, 5


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    var = tmp_path_factory.mktemp("limits")
    env = embedded_env(
        var,
        MAX_UPLOAD_BYTES=str(LIMIT),
        UPLOAD_IDLE_SECONDS=str(IDLE),
        UPLOAD_SECONDS=str(TOTAL),
        CAM_PASSWORD="limits-Test-pass1",
    )
    manage(env, "create_user", "lead", "--role", "admin", "--password-env", "CAM_PASSWORD")
    token = manage(env, "create_token", "lead").stdout.strip()
    with serving(env, var) as (port, process):
        yield {"port": port, "token": token, "process": process, "log": var / "server.log"}


def raw(port: int, head: str) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port), timeout=TOTAL + 10)
    sock.sendall(head.encode())
    return sock


def answer(sock: socket.socket) -> tuple[int, dict]:
    data = b""
    while b"\r\n\r\n" not in data or len(data.split(b"\r\n\r\n", 1)[1]) < _length(data):
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    return int(head.split()[1]), json.loads(body or b"{}")


def _length(data: bytes) -> int:
    for line in data.split(b"\r\n\r\n", 1)[0].split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            return int(line.split(b":")[1])
    return 0


def post_head(server, extra: str) -> str:
    return (
        f"POST /api/captures/ HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Token {server['token']}\r\n"
        f"Content-Type: multipart/form-data; boundary=xyz\r\n{extra}\r\n"
    )


def test_a_declared_oversize_body_is_refused_before_it_is_sent(server):
    started = time.monotonic()
    sock = raw(server["port"], post_head(server, f"Content-Length: {50 * LIMIT}\r\n"))
    status, body = answer(sock)
    assert status == 413 and body["code"] == "too_large" and "limit" in body["detail"]
    assert time.monotonic() - started < 2


def test_a_chunked_oversize_body_is_cut_off_as_it_streams(server):
    sock = raw(server["port"], post_head(server, "Transfer-Encoding: chunked\r\n"))
    piece = b"x" * 65536
    sent = 0
    try:
        while sent < 3 * LIMIT:
            sock.sendall(b"%x\r\n%s\r\n" % (len(piece), piece))
            sent += len(piece)
    except OSError:
        pass  # the server may close while we are still sending
    status, body = answer(sock)
    assert status == 413 and body["code"] == "too_large"


def test_stalled_and_trickled_bodies_get_408_while_others_are_served(server):
    def stall():
        sock = raw(server["port"], post_head(server, "Content-Length: 100000\r\n"))
        sock.sendall(b"--xyz\r\n")
        return answer(sock)

    def trickle():
        sock = raw(server["port"], post_head(server, "Content-Length: 100000\r\n"))
        try:
            for _ in range(int(4 * TOTAL)):
                sock.sendall(b"0123456789")
                time.sleep(0.25)
        except OSError:
            pass
        return answer(sock)

    results = {}
    attackers = [
        threading.Thread(target=lambda k=k, f=f: results.__setitem__(k, f()))
        for k, f in [(f"stall{i}", stall) for i in range(10)] + [(f"trickle{i}", trickle) for i in range(10)]
    ]
    started = time.monotonic()
    for thread in attackers:
        thread.start()
    time.sleep(0.5)
    waits = []
    for _ in range(5):  # everyone else is served at once while twenty slow uploads hang on
        begin = time.monotonic()
        with urllib.request.urlopen(f"http://127.0.0.1:{server['port']}/login/", timeout=5) as page:
            assert page.status == 200
        waits.append(time.monotonic() - begin)
    for thread in attackers:
        thread.join(TOTAL + 15)
    assert max(waits) < 1.0, waits
    assert [status for status, _ in results.values()] == [408] * 20, results
    assert results["trickle0"][1]["code"] == "upload_timeout"
    assert time.monotonic() - started < TOTAL + 5


def test_after_the_attacks_a_photo_is_still_read_and_the_server_never_failed(server):
    label = label_bytes(
        ["LOT K4471", "S/N SN000001"], code="(01)09501101020917(10)K4471(21)SN000001", gs1=True
    )
    boundary = "limits"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="image"; filename="label.png"\r\n'
            f"Content-Type: image/png\r\n\r\n"
        ).encode()
        + label
        + f"\r\n--{boundary}--\r\n".encode()
    )
    request = urllib.request.Request(
        f"http://127.0.0.1:{server['port']}/api/captures/",
        data=body,
        headers={
            "Authorization": f"Token {server['token']}",
            "Content-Type": f"multipart/form-data; boundary={boundary}",
        },
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - http to loopback
        capture = json.loads(response.read())
    url = f"http://127.0.0.1:{server['port']}/api/captures/{capture['id']}/"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        got = urllib.request.Request(url, headers={"Authorization": f"Token {server['token']}"})
        with urllib.request.urlopen(got, timeout=10) as response:  # noqa: S310 - http to loopback
            capture = json.loads(response.read())
        if capture["job"]["status"] in ("done", "failed"):
            break
        time.sleep(0.3)
    assert capture["job"]["status"] == "done"
    assert {f["name"]: f["value"] for f in capture["reading"]["fields"]}["serial"] == "SN000001"
    assert server["process"].poll() is None
    log = server["log"].read_text()
    assert "Traceback" not in log and "Exception in ASGI application" not in log
