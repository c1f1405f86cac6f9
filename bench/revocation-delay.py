"""Revocation delay across two replicas (bench/postgres-bench.sh): replicas A and B on one fresh
PostgreSQL database (tests/replicas/replica_deployment.py sets them up: the demo upstream, the dev
IdP, the same configuration on two ports). Each trial signs a fresh user in on A, makes B answer
(and so cache) the session, sends SCIM `PATCH active:false` to A and polls B over a keep-alive
connection (every millisecond) until it refuses; the delay is counted from the moment the PATCH
was sent. One warm-up trial comes first (printed, not counted). Prints every delay, then the
median and the maximum as `REVOCATION_*` lines.

Usage: python3 bench/revocation-delay.py --admin-url postgres://postgres@127.0.0.1:PORT/postgres?sslmode=disable
[--trials 50]; the binaries come from GATEHOUSE_BIN_DIR."""
import argparse
import json
import pathlib
import shutil
import statistics
import sys
import tempfile
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "tests" / "replicas"))
from replica_deployment import Deployment  # noqa: E402

GIVE_UP = 10.0  # seconds: a trial B never refuses within this counts as this long, and is reported


def trial(deployment):
    a, b = deployment.a, deployment.b
    email, user_id = deployment.create_user()
    session, answer, *_ = deployment.sign_in(email, a, a)
    if answer.status != 303 or not session:
        raise RuntimeError(f"sign-in on A: expected 303 with a session cookie, got {answer!r}")
    warm = b.page(session, connection=b.poller)
    if warm.status != 200:
        raise RuntimeError(f"B before the deactivation: expected 200, got {warm!r}")
    start = time.monotonic()
    patched = deployment.patch_user(user_id, [{"op": "replace", "value": {"active": False}}])
    acknowledged = time.monotonic() - start
    if patched.status != 200:
        raise RuntimeError(f"SCIM PATCH active:false on A: expected 200, got {patched!r}")
    while True:
        answer = b.page(session, connection=b.poller)
        elapsed = time.monotonic() - start
        if answer.status == 401:
            return elapsed, acknowledged
        if answer.status != 200:
            raise RuntimeError(f"B during the deactivation: expected 200 or 401, got {answer!r}")
        if elapsed > GIVE_UP:
            return GIVE_UP, acknowledged
        time.sleep(0.001)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--admin-url", required=True)
    parser.add_argument("--trials", type=int, default=50)
    options = parser.parse_args()
    work = pathlib.Path(tempfile.mkdtemp(prefix="gatehouse-revocation-"))
    deployment = Deployment(work, "postgres", options.admin_url, log_config="  level: warning\n  access_log: false\n")
    delays, acknowledgements = [], []
    try:
        deployment.start()
        # One trial first, not counted (the first SCIM PATCH of a fresh process is the slow one,
        # as every warm-up in these benchmarks), printed so that nothing is hidden.
        warm_up, warm_up_acknowledged = trial(deployment)
        for _ in range(options.trials):
            delay, acknowledged = trial(deployment)
            delays.append(delay)
            acknowledgements.append(acknowledged)
    except BaseException:
        for process in deployment.processes:
            print(f"--- {process.name} log (tail) ---\n{process.log_text()[-2000:]}", file=sys.stderr)
        raise
    finally:
        deployment.stop()
    shutil.rmtree(work, ignore_errors=True)
    print(f"warm-up trial (not counted): {warm_up * 1000:.1f} ms, of which A's PATCH {warm_up_acknowledged * 1000:.1f} ms")
    milliseconds = [round(delay * 1000, 1) for delay in delays]
    print("delays (ms, from the PATCH sent to B's first 401):", json.dumps(milliseconds))
    print("of which A took to answer the PATCH (ms):", json.dumps([round(value * 1000, 1) for value in acknowledgements]))
    print(f"REVOCATION_TRIALS {len(delays)}")
    print(f"REVOCATION_MEDIAN_MS {statistics.median(delays) * 1000:.1f}")
    print(f"REVOCATION_MAX_MS {max(delays) * 1000:.1f}")
    print(f"REVOCATION_GAVE_UP {sum(1 for delay in delays if delay >= GIVE_UP)}")
    print(f"REVOCATION_PATCH_MEDIAN_MS {statistics.median(acknowledgements) * 1000:.1f}")


if __name__ == "__main__":
    main()
