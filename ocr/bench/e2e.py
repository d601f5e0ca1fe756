"""``bench e2e``: the real stack end to end. A fresh PostgreSQL database, Redis, the ASGI server
and a Celery worker with two processes are started as subprocesses; simulated fixed cameras post
rendered label photos with a device token over loopback while a dashboard WebSocket records when
each result is pushed. Then 50 dashboards are connected and results are published to them to
measure the fan-out. The bare pipeline reads the same photos in two processes for comparison,
before the stack starts and after it stops (the share is against their mean).

Figures: upload response → push (p50/p95), the reading's own time, the rest (queue, dispatch,
push), captures per second against the bare pipeline, and fan-out results per second per
dashboard with the publish → receive latency."""

import asyncio
import gc
import json
import os
import secrets
import threading
import time
import uuid
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

import psycopg
import websockets
from django.conf import settings

from ocr.bench.load import upload
from ocr.bench.stack import Stack
from ocr.labels import label_bytes


def add_arguments(parser):
    parser.add_argument("--cameras", type=int, default=10)
    parser.add_argument("--captures", type=int, default=100, help="captures posted in all")
    parser.add_argument("--dashboards", type=int, default=50)
    parser.add_argument("--fanout", type=int, default=1000, help="results published to the dashboards")
    parser.add_argument(
        "--fanout-rate",
        type=float,
        default=600,
        help="results published per second (0: as fast as possible); above the 500/s target, so the "
        "delivered rate shows whether the dashboards keep up rather than the publisher's pace",
    )
    parser.add_argument(
        "--postgres",
        default=os.environ.get("E2E_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres"),
    )


def _pct(values, q):
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q / 100 * (len(ordered) - 1)))], 1) if ordered else None


def _prepare(stack: Stack, readers: bool) -> None:
    """Stations, a camera account allowed at all of them and a supervisor with a session; then
    the server and, when there are photos to read, a worker with two reading processes (the
    fan-out alone needs none: a worker loading its engines would share the cores with it)."""
    stack.manage(
        "shell",
        "-c",
        "from traceability.models import Site, Line, Station;"
        "s=Site.objects.create(code='b', name='Bench');l=Line.objects.create(site=s, code='l', name='L');"
        "[Station.objects.create(line=l, code=f'cam-{i}', name=f'Camera {i}') for i in range(50)]",
    )
    stack.manage(
        "create_user",
        "bench-camera",
        "--role",
        "device",
        *sum((["--station", f"cam-{i}"] for i in range(50)), []),
    )
    stack.env["E2E_PASSWORD"] = secrets.token_urlsafe(12)
    stack.manage("create_user", "bench-sup", "--role", "supervisor", "--password-env", "E2E_PASSWORD")
    stack.token = stack.manage("create_token", "bench-camera").strip().splitlines()[-1]
    stack.session = (
        stack.manage(
            "shell",
            "-c",
            "from importlib import import_module; from django.conf import settings; "
            "from accounts.models import User; u = User.objects.get(username='bench-sup'); "
            "s = import_module(settings.SESSION_ENGINE).SessionStore(); s['_auth_user_id'] = str(u.pk); "
            "s['_auth_user_backend'] = settings.AUTHENTICATION_BACKENDS[0]; "
            "s['_auth_user_hash'] = u.get_session_auth_hash(); s.create(); print(s.session_key)",
        )
        .strip()
        .splitlines()[-1]
    )
    stack.start_server()
    if readers:
        stack.start_worker(loglevel="WARNING")


def _post(base: str, token: str, data: bytes, station: str, key: str) -> dict:
    status, _, body = upload(base, token, key, data, station)
    if status not in (200, 201):
        raise RuntimeError(f"upload refused: {status} {body}")
    return body


def _photos(count: int) -> list[bytes]:
    return [
        label_bytes(
            ["TL-1000 Controller board", f"LOT L2026-{n % 97:04d}", f"S/N SN{n:06d}"],
            code=f"(01)09501101020917(10)L2026-{n % 97:04d}(21)SN{n:06d}",
            gs1=True,
            fmt="JPEG",
        )
        for n in range(count)
    ]


async def _dashboard(
    url: str, headers: dict, done: dict, expected: int, ready: asyncio.Event, stop: asyncio.Event
):
    async with websockets.connect(url, additional_headers=headers, max_queue=None) as socket:
        ready.set()
        while len(done) < expected and not stop.is_set():
            try:
                message = json.loads(await asyncio.wait_for(socket.recv(), timeout=1))
            except TimeoutError:
                continue
            for row in message.get("captures", ()):
                if row.get("status") in ("done", "failed"):
                    done.setdefault(row["id"], time.time())


def _cameras(stack: Stack, base: str, photos: list[bytes], cameras: int) -> dict:
    responses, errors = {}, []

    def camera(index: int):
        for n in range(index, len(photos), cameras):
            try:
                body = _post(
                    base, stack.token, photos[n], f"cam-{index}", f"bench-{n}-{uuid.uuid4().hex[:6]}"
                )
                responses[body["id"]] = time.time()
            except Exception as exc:  # noqa: BLE001 - counted and reported, the run goes on
                errors.append(str(exc))

    threads = [threading.Thread(target=camera, args=(i,)) for i in range(cameras)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return {"responses": responses, "errors": errors}


async def _fanout(url: str, headers: dict, stack: Stack, clients: int, messages: int, rate: float) -> dict:
    # the dashboards are simulated in this process, which holds all of Django and the reading
    # pipeline: a full collection of that heap paused every dashboard for 120-230 ms in the
    # middle of the run (measured with gc.callbacks), a pause of the simulation rather than of
    # the server, whose own collections stayed under 4 ms. Frozen, they scan only new objects.
    gc.collect()
    gc.freeze()
    received = [[] for _ in range(clients)]

    async def client(i: int, ready: asyncio.Event):
        async with websockets.connect(url, additional_headers=headers, max_queue=None) as socket:
            ready.set()
            while len(received[i]) < messages:
                try:
                    message = json.loads(await asyncio.wait_for(socket.recv(), timeout=20))
                except TimeoutError:
                    return
                now = time.time()
                received[i] += [(now, row["sent"]) for row in message.get("captures", ()) if "sent" in row]

    readies = [asyncio.Event() for _ in range(clients)]
    tasks = [asyncio.create_task(client(i, readies[i])) for i in range(clients)]
    await asyncio.wait_for(asyncio.gather(*(r.wait() for r in readies)), timeout=30)
    await asyncio.sleep(0.5)
    publisher = (
        "import asyncio, time; from channels.layers import get_channel_layer\n"
        "async def main():\n"
        "    layer = get_channel_layer('fanout')\n"
        "    start = time.time()\n"
        f"    for n in range({messages}):\n"
        f"        await asyncio.sleep(max(0.0, start + n / {rate or 1e9} - time.time()))\n"
        "        await layer.group_send('dashboard', {'type': 'dashboard.capture', "
        "'capture': {'id': n, 'sent': time.time()}})\n"
        "asyncio.run(main())\n"
    )
    started = time.time()
    await asyncio.to_thread(stack.manage, "shell", "-c", publisher)
    await asyncio.gather(*tasks)
    latencies = [(got - sent) * 1000 for rows in received for got, sent in rows]
    rates = [len(rows) / max(1e-6, rows[-1][0] - rows[0][1]) for rows in received if rows]
    return {
        "fanout.dashboards": clients,
        "fanout.published": messages,
        "fanout.publish_rate_per_s": rate or "as fast as possible",
        "fanout.delivered_to_every_dashboard": all(len(rows) == messages for rows in received),
        "fanout.results_per_s_per_dashboard_min": round(min(rates), 1) if rates else 0,
        "fanout.latency_ms_p50": _pct(latencies, 50),
        "fanout.latency_ms_p95": _pct(latencies, 95),
        "fanout.publish_seconds": round(time.time() - started, 2),
    }


def _bare(data: bytes):
    from ocr.pipeline import ReadConfig, decode_image, read_image
    from ocr.pipeline.text import thread_options

    read_image(decode_image(data, max_pixels=10**8), ReadConfig(engine_options=thread_options(1)))


def _bare_rate(photos: list[bytes]) -> float:
    with ProcessPoolExecutor(2, mp_context=get_context("spawn")) as pool:
        list(pool.map(_bare, photos[:4]))  # engines loaded before the clock
        start = time.perf_counter()
        list(pool.map(_bare, photos))
        return len(photos) / (time.perf_counter() - start)


def run(options, out) -> dict:
    logs = Path(settings.BASE_DIR) / "var" / f"bench-e2e-{uuid.uuid4().hex[:6]}"
    logs.mkdir(parents=True, exist_ok=True)
    photos = _photos(options["captures"])
    bare = []  # measured before the stack starts and again after it stops: the machine's own
    # speed drifts by several per cent over minutes, and the share should not depend on when
    if photos:
        out.write(f"bare pipeline on {len(photos)} photos, 2 processes …")
        bare.append(_bare_rate(photos))
    with Stack(options["postgres"], logs) as stack:
        _prepare(stack, readers=bool(photos))
        base = stack.base
        url = base.replace("http://", "ws://") + "/ws/dashboard/"
        headers = {"Cookie": f"sessionid={stack.session}", "Origin": base}
        cameras = {}
        if photos:
            out.write(f"{options['cameras']} cameras posting {len(photos)} photos …")
            cameras = _camera_figures(stack, base, url, headers, photos, options["cameras"])
        out.write(f"fan-out to {options['dashboards']} dashboards …")
        fanout = asyncio.run(
            _fanout(url, headers, stack, options["dashboards"], options["fanout"], options["fanout_rate"])
        )
    peers = {}
    if photos:
        out.write("bare pipeline again …")
        bare.append(_bare_rate(photos))
        rate = sum(bare) / len(bare)
        cameras["e2e.share_of_bare_pipeline_pct"] = round(100 * cameras["e2e.captures_per_s"] / rate, 1)
        peers = {
            "bare_pipeline_2_processes.images_per_s": round(rate, 2),
            "bare_pipeline_2_processes.images_per_s_before_after": [round(r, 2) for r in bare],
        }
    return {**cameras, **fanout, "peers": peers}


def _camera_figures(stack, base: str, url: str, headers: dict, photos: list[bytes], cameras: int) -> dict:
    """Cameras posting every photo while a dashboard records each result's push."""
    # warm the two worker processes (engine load) before the clock starts
    for n in range(2):
        _post(base, stack.token, photos[n], "cam-0", f"warm-{n}-{uuid.uuid4().hex[:6]}")
    time.sleep(8)

    async def measure():
        done, ready, stop = {}, asyncio.Event(), asyncio.Event()
        watcher = asyncio.create_task(_dashboard(url, headers, done, len(photos), ready, stop))
        await ready.wait()
        start = time.time()
        posted = await asyncio.to_thread(_cameras, stack, base, photos, cameras)
        deadline = time.time() + 300
        while (
            len([i for i in posted["responses"] if i in done]) < len(posted["responses"])
            and time.time() < deadline
        ):
            await asyncio.sleep(0.2)
        stop.set()
        await watcher
        return posted, done, start

    posted, done, start = asyncio.run(measure())
    ids = list(posted["responses"])
    # from the first post to the last result's push (not to when the polling above noticed it)
    wall = max((done[pk] for pk in ids if pk in done), default=start) - start
    with psycopg.connect(stack.env["DATABASE_URL"]) as conn:
        rows = conn.execute(
            "SELECT c.id, extract(epoch FROM j.started_at), extract(epoch FROM j.finished_at), j.status "
            "FROM ocr_capture c JOIN ocr_readingjob j ON j.capture_id = c.id WHERE c.id = ANY(%s)",
            [ids],
        ).fetchall()
    jobs = {pk: (float(s or 0), float(f or 0), status) for pk, s, f, status in rows}
    latency, reading, rest, waiting = [], [], [], []
    for pk in ids:
        if pk not in done or pk not in jobs:
            continue
        started, finished, _ = jobs[pk]
        latency.append((done[pk] - posted["responses"][pk]) * 1000)
        reading.append((finished - started) * 1000)
        rest.append((done[pk] - finished) * 1000)  # reading committed → push received
        waiting.append((started - posted["responses"][pk]) * 1000)  # accepted → a worker took it
    captured_per_s = len(latency) / wall if wall else 0
    # with a backlog, the k-th job starts when the (k - 2)-th to finish has freed its process:
    # the time in between is the work after the reading's row is written (commit, push,
    # inspection) and Celery's hand-off of the next job
    starts = sorted(s for s, _, _ in jobs.values() if s)
    finishes = sorted(f for _, f, _ in jobs.values() if f)
    between = [(starts[k] - finishes[k - 2]) * 1000 for k in range(2, min(len(starts), len(finishes) + 2))]
    return {
        "e2e.cameras": cameras,
        "e2e.captures_posted": len(ids),
        "e2e.post_errors": len(posted["errors"]),
        "e2e.results_pushed": len(latency),
        "e2e.upload_to_push_ms_p50": _pct(latency, 50),
        "e2e.upload_to_push_ms_p95": _pct(latency, 95),
        "e2e.reading_ms_p50": _pct(reading, 50),
        "e2e.reading_ms_p95": _pct(reading, 95),
        "e2e.queue_wait_ms_p50": _pct(waiting, 50),
        "e2e.queue_wait_ms_p95": _pct(waiting, 95),
        "e2e.commit_to_push_ms_p50": _pct(rest, 50),
        "e2e.commit_to_push_ms_p95": _pct(rest, 95),
        "e2e.between_jobs_ms_p50": _pct(between, 50),
        "e2e.between_jobs_ms_p95": _pct(between, 95),
        "e2e.captures_per_s": round(captured_per_s, 2),
    }
