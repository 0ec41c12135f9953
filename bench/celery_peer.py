"""The peer of bench/jobs: the same no-op workload on Celery with a Redis broker.

    python3 bench/celery_peer.py --redis redis://127.0.0.1:6399/0 --jobs 10000 --rate 200 --seconds 10

Runs a worker with 2 processes for each setting, prints JSON with jobs/s and enqueue-to-start
latency. Debian packages: python3-celery, python3-redis, redis-server.
"""
import argparse
import contextlib
import json
import os
import subprocess
import sys
import time

from celery import Celery
import redis

BROKER = os.environ.get("PEER_BROKER", "redis://127.0.0.1:6399/0")
ACKS_LATE = os.environ.get("PEER_ACKS_LATE") == "1"

app = Celery("celery_peer", broker=BROKER)
app.conf.update(
    task_serializer="json",
    accept_content=["json"],
    task_acks_late=ACKS_LATE,
    worker_prefetch_multiplier=1 if ACKS_LATE else 4,
    worker_hijack_root_logger=False,
    broker_connection_retry_on_startup=True,
)
store = redis.Redis.from_url(BROKER)


@app.task(name="noop", ignore_result=True)
def noop(run, enqueued):
    # The only work: say it started (for latency) and that it is done (for throughput).
    pipe = store.pipeline()
    pipe.rpush("lat:" + run, time.time() - enqueued)
    pipe.incr("done:" + run)
    pipe.execute()


def start_worker(acks_late):
    env = dict(os.environ, PEER_BROKER=BROKER, PEER_ACKS_LATE="1" if acks_late else "0")
    here = os.path.dirname(os.path.abspath(__file__))
    worker = subprocess.Popen(
        ["/usr/bin/python3", "-m", "celery", "-A", "celery_peer", "worker", "-c", "2", "-P", "prefork",
         "--without-gossip", "--without-mingle", "--without-heartbeat", "-l", "warning"],
        cwd=here, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    # Wait until it takes work.
    run = "warmup-%d" % time.time_ns()
    noop.apply_async((run, time.time()))
    deadline = time.time() + 60
    while int(store.get("done:" + run) or 0) < 1:
        if time.time() > deadline:
            worker.kill()
            raise SystemExit("celery worker did not start")
        time.sleep(0.05)
    return worker


def wait_done(run, n, limit_s):
    deadline = time.time() + limit_s
    while time.time() < deadline:
        done = int(store.get("done:" + run) or 0)
        if done >= n:
            return done
        time.sleep(0.005)
    return int(store.get("done:" + run) or 0)


def throughput(n, limit_s):
    run = "tp-%d" % time.time_ns()
    t0 = time.time()
    for _ in range(n):
        noop.apply_async((run, time.time()))
    done = wait_done(run, n, limit_s)
    secs = time.time() - t0
    return {"jobs": n, "done": done, "seconds": secs, "jobs_per_s": done / secs}


def fixed_rate(rate, seconds):
    run = "fr-%d" % time.time_ns()
    n = rate * seconds
    start = time.time()
    for i in range(n):
        delay = start + i / rate - time.time()
        if delay > 0:
            time.sleep(delay)
        noop.apply_async((run, time.time()))
    wait_done(run, n, 120)
    lat = sorted(float(x) * 1000 for x in store.lrange("lat:" + run, 0, -1))

    def pct(p):
        return lat[min(len(lat) - 1, int(p * (len(lat) - 1) + 0.5))] if lat else 0

    return {"rate_per_s": rate, "jobs": n, "enqueue_to_start_p50_ms": pct(0.5), "enqueue_to_start_p99_ms": pct(0.99)}


@contextlib.contextmanager
def worker(acks_late):
    w = start_worker(acks_late)
    try:
        yield w
    finally:
        w.terminate()
        w.wait()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--redis", default=BROKER)
    ap.add_argument("--jobs", type=int, default=10000)
    ap.add_argument("--late-jobs", type=int, default=1000)
    ap.add_argument("--rate", type=int, default=200)
    ap.add_argument("--seconds", type=int, default=10)
    ap.add_argument("--throughput-only", action="store_true", help="only the default setting's throughput")
    args = ap.parse_args()
    if args.redis != BROKER:
        # The app and the store are set up at import, from PEER_BROKER: start again with it.
        os.execve(sys.executable, [sys.executable] + sys.argv, dict(os.environ, PEER_BROKER=args.redis))
    out = {}
    with worker(acks_late=False):
        out["default"] = throughput(args.jobs, 300)
        if not args.throughput_only:
            out["fixed_rate"] = fixed_rate(args.rate, args.seconds)
    if not args.throughput_only:
        with worker(acks_late=True):
            # Late acks with prefetch 1 (what long jobs need) is slow: bounded in count and time.
            out["acks_late_prefetch1"] = throughput(args.late_jobs, 120)
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
