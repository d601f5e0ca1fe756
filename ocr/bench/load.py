"""``bench load``: the real stack under load, and what adding reader hosts adds.

1. Load: ``--cameras`` simulated fixed cameras post ``--per-camera`` rendered label photos each
   to the ASGI server, retrying with the same idempotency key until acknowledged, while
   ``--concurrency`` reading processes read them; every acknowledged photo must end with exactly
   one reading. Figures: upload time, upload → result p50/p95, captures per second, worker
   resident memory early and at the end.
2. Scale-out (``--scale N``, root only): N photos are queued, then read by one reader host, then
   N more by two; each host is a network namespace of its own running ``celery worker -c 1``
   (one core) that reaches Redis and PostgreSQL over a veth link. Figures: captures per second
   with one and with two hosts, and their ratio.

The peer is the bare pipeline (``read_image`` in one process, one thread) on the same photos."""

import http.client
import json
import statistics
import threading
import time
import urllib.error
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from email.message import Message
from pathlib import Path

from django.conf import settings

from ocr.bench.netns import Host
from ocr.bench.stack import Stack
from ocr.labels import label_bytes


def add_arguments(parser):
    parser.add_argument("--cameras", type=int, default=20)
    parser.add_argument("--per-camera", type=int, default=100)
    parser.add_argument("--concurrency", type=int, default=2, help="reading processes of the one worker")
    parser.add_argument(
        "--scale", type=int, default=0, help="photos per scale-out phase (0: skip; needs root)"
    )
    parser.add_argument("--postgres", default="postgres://postgres@127.0.0.1:5432/postgres")


def label(n: int) -> bytes:
    return label_bytes([f"LOT L7-{n % 97:04d}", f"S/N SN{n:07d}"])


def upload(base: str, token: str, key: str, data: bytes, station: str = "pack") -> tuple[int, Message, dict]:
    """One multipart POST to ``/api/captures/``: (status, headers (case-blind), JSON body)."""
    boundary = uuid.uuid4().hex
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in (("station", station), ("idempotency_key", key))
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="image"; filename="label.png"\r\n'
        "Content-Type: image/png\r\n\r\n".encode()
        + data
        + f"\r\n--{boundary}--\r\n".encode()
    )
    request = urllib.request.Request(  # noqa: S310 - http to our own server on loopback
        base + "/api/captures/",
        data=b"".join(parts),
        headers={
            "Authorization": f"Token {token}",
            "Content-Type": f"multipart/form-data; boundary={boundary}",
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - loopback
            return response.status, response.headers, json.loads(response.read())
    except urllib.error.HTTPError as error:
        body = error.read()
        try:
            parsed = json.loads(body)
        except ValueError:
            parsed = {"detail": body[:300].decode("utf-8", "replace")}
        return error.code, error.headers, parsed


class Refused(AssertionError):
    """An upload refused for good (a 4xx other than 408), or never acknowledged in time."""


def send(base: str, token: str, key: str, data: bytes, deadline: float, refused: list | None = None) -> int:
    """Send until acknowledged, as a camera does; returns the capture id. Each refusal on the way
    is noted in ``refused``. A refusal must be clean: 408 or 5xx, and 503 with Retry-After."""
    while time.monotonic() < deadline:
        try:
            status, headers, body = upload(base, token, key, data)
        except (OSError, http.client.HTTPException) as exc:
            if refused is not None:
                refused.append(type(exc).__name__)
            time.sleep(0.5)
            continue
        if status in (200, 201):
            return body["id"]
        if refused is not None:
            refused.append(status)
        if status < 500 and status != 408:
            raise Refused(f"{key}: {status} {body}")
        if status == 503 and not headers.get("Retry-After"):
            raise Refused(f"{key}: 503 without Retry-After")
        time.sleep(min(float(headers.get("Retry-After", "0.5")), 5))
    raise Refused(f"{key} never acknowledged")


def wait_all_read(stack: Stack, timeout: float, progress=None) -> None:
    """Until no job waits or runs; ``progress`` is called with the readings stored so far."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        waiting = stack.scalar("SELECT count(*) FROM ocr_readingjob WHERE status IN ('pending', 'running')")
        if not waiting:
            return
        if progress:
            progress(stack.scalar("SELECT count(*) FROM ocr_reading"))
        time.sleep(1)
    raise Refused(f"still {waiting} jobs unfinished\n{stack.tail()}")


def worker_memory(stack: Stack) -> dict:
    """Resident MB per reading process, from the workers' heartbeats."""
    return {
        name: round(rss / 2**20) for name, rss in stack.sql("SELECT name, resident_bytes FROM ocr_workerbeat")
    }


def load(stack: Stack, cameras: int, per_camera: int, tokens: list[str]) -> tuple[set[int], dict]:
    """Cameras post their photos; waits until all are read. Returns the ids and the figures."""
    deadline = time.monotonic() + 3000 + per_camera * cameras
    started = time.monotonic()
    ids, early, lock = set(), {}, threading.Lock()

    def camera(i: int):
        for k in range(per_camera):
            capture = send(stack.base, tokens[i], f"load-{i}-{k}", label(i * per_camera + k), deadline)
            with lock:
                ids.add(capture)

    def sample_memory(read: int) -> None:  # once the readers have warmed up
        if not early and read >= min(200, cameras * per_camera // 4):
            early.update(worker_memory(stack), readings=read)

    with ThreadPoolExecutor(cameras) as pool:
        futures = [pool.submit(camera, i) for i in range(cameras)]
        while not all(f.done() for f in futures):
            time.sleep(1)
            sample_memory(stack.scalar("SELECT count(*) FROM ocr_reading"))
        for future in futures:
            future.result()
    posted_s = time.monotonic() - started
    wait_all_read(stack, deadline - time.monotonic(), progress=sample_memory)
    latency = [float(s) for (s,) in stack.sql(_LATENCY, list(ids))]
    cuts = statistics.quantiles(latency, n=20) if len(latency) > 1 else latency * 19
    return ids, {
        "load.cameras": cameras,
        "load.captures": len(ids),
        "load.upload_seconds": round(posted_s, 1),
        "load.upload_to_result_s_p50": round(statistics.median(latency), 2),
        "load.upload_to_result_s_p95": round(cuts[18], 2),
        "load.captures_per_s": round(len(ids) / throughput_span(stack, ids), 2),
        "load.readings_at_first_memory_sample": early.pop("readings", None),
        "load.worker_rss_mb_early": early,
        "load.worker_rss_mb_at_end": worker_memory(stack),
    }


_LATENCY = (
    "SELECT EXTRACT(EPOCH FROM r.created_at - c.created_at) FROM ocr_reading r"
    " JOIN ocr_capture c ON c.id = r.capture_id WHERE c.id = ANY(%s)"
)


def throughput_span(stack: Stack, ids) -> float:
    """Seconds from the first upload to the last reading of ``ids``."""
    return float(
        stack.scalar(
            "SELECT EXTRACT(EPOCH FROM max(r.created_at) - min(c.created_at)) FROM ocr_reading r"
            " JOIN ocr_capture c ON c.id = r.capture_id WHERE c.id = ANY(%s)",
            list(ids),
        )
    )


def reading_rate(stack: Stack, ids) -> float:
    """Readings per second of ``ids`` between the first reading stored and the last (the workers'
    start-up, before the first, is left out)."""
    first, last, count = stack.sql(
        "SELECT EXTRACT(EPOCH FROM min(created_at)), EXTRACT(EPOCH FROM max(created_at)), count(*)"
        " FROM ocr_reading WHERE capture_id = ANY(%s)",
        list(ids),
    )[0]
    return (count - 1) / float(last - first)


def scale_out(stack: Stack, hosts: list[Host], photos: int, token: str, first: int = 10**6) -> dict:
    """Queue ``photos`` captures, then read them with one reader host, then as many again with
    all ``hosts``; each host runs one worker process with one thread."""
    rates = {}
    for count in (1, len(hosts)):
        deadline = time.monotonic() + 600
        ids = {
            send(stack.base, token, f"scale-{count}-{n}", label(first + n), deadline) for n in range(photos)
        }
        for host in hosts[:count]:
            stack.start_worker(f"reader-{host.name}", concurrency=1, netns=host, loglevel="WARNING")
        wait_all_read(stack, 60 + photos * 5)
        for host in hosts[:count]:
            stack.stop_worker(f"reader-{host.name}")
        rates[count] = reading_rate(stack, ids)
    return {
        "scale_out.photos_per_phase": photos,
        "scale_out.one_host_per_s": round(rates[1], 3),
        f"scale_out.{len(hosts)}_hosts_per_s": round(rates[len(hosts)], 3),
        "scale_out.speedup": round(rates[len(hosts)] / rates[1], 2),
    }


def scale_stack(logs: Path, postgres: str, hosts: int = 2):
    """An ExitStack holding ``hosts`` reader hosts and a stack whose Redis and PostgreSQL they
    reach over their links (the web server stays on this host): (exit_stack, stack, hosts)."""
    context = ExitStack()
    try:
        made = [context.enter_context(Host(i)) for i in range(hosts)]
        stack = context.enter_context(
            Stack(postgres, logs, bind=("127.0.0.1", *(h.outer for h in made)), JOB_REDISPATCH_SECONDS="3600")
        )
        for host in made:
            host.relay(5432)
        stack.start_server()
    except BaseException:
        context.close()
        raise
    return context, stack, made


def bare_rate(photos: int) -> float:
    """The peer: ``read_image`` in this process with one ONNX Runtime thread, photos per second."""
    from ocr.pipeline import ReadConfig, decode_image, read_image
    from ocr.pipeline.text import thread_options

    config = ReadConfig(engine_options=thread_options(1))
    images = [decode_image(label(n), max_pixels=10**8) for n in range(photos + 2)]
    for image in images[:2]:  # the engine loaded before the clock
        read_image(image, config)
    start = time.perf_counter()
    for image in images[2:]:
        read_image(image, config)
    return photos / (time.perf_counter() - start)


def run(options, out) -> dict:
    logs = Path(settings.BASE_DIR) / "var" / f"bench-load-{uuid.uuid4().hex[:6]}"
    logs.mkdir(parents=True)
    figures = {}
    out.write(f"bare pipeline, one process, one thread, {min(40, options['per_camera'])} photos …")
    peers = {"bare_pipeline_1_thread.images_per_s": round(bare_rate(min(40, options["per_camera"])), 3)}
    if options["cameras"] and options["per_camera"]:
        out.write(f"load: {options['cameras']} cameras × {options['per_camera']} photos …")
        with Stack(options["postgres"], logs / "load", QUEUE_LIMIT="100000", RELAY_EVERY_S="2") as stack:
            tokens = stack.device_tokens(options["cameras"])
            stack.start_server()
            stack.start_worker(concurrency=options["concurrency"], loglevel="WARNING")
            stack.start_beat()
            _, found = load(stack, options["cameras"], options["per_camera"], tokens)
            figures.update(found)
            figures["load.reading_processes"] = options["concurrency"]
    if options["scale"]:
        out.write(f"scale-out: {options['scale']} photos on one reader host, then on two …")
        context, stack, hosts = scale_stack(logs / "scale", options["postgres"])
        with context:
            figures.update(scale_out(stack, hosts, options["scale"], stack.device_tokens(1)[0]))
    return {**figures, "peers": peers}
