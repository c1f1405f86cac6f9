"""Durability (issue 12, item 4): Gatehouse killed with SIGKILL in the middle of a stream of SCIM
creates loses none that it acknowledged, on each backend.

For each backend (SQLite: a file; PostgreSQL: a fresh database on GATEHOUSE_TEST_POSTGRES's cluster,
or on a throwaway cluster of our own when that is unset), `gatehouse serve` runs with one tenant and
a SCIM token. Another process (this file with `--client`) streams `POST /scim/v2/{t}/Users` from
several threads, each on its own keep-alive connection, and appends every create that got a 201
(userName and id) to a file as soon as the answer is read. Once a few hundred are acknowledged,
Gatehouse gets SIGKILL while creates are in flight (the client counts the requests the kill cut
off). Gatehouse is started again on the same store, and every acknowledged create must be there:
`GET /Users/{id}` answers it and `filter=userName eq "…"` finds exactly it. Any answer other than
201 during the stream fails the test too.

    tests/store/sigkill_durability_test.py [sqlite] [postgres]     (both by default)

STORE_TEST_SABOTAGE=delete-one deletes one acknowledged user straight from the store between the
kill and the restart (sqlite3 module / psql), STORE_TEST_SABOTAGE=rekey-one changes its userName
lookup key: the test must then fail (by id, by filter), which is how it was checked to notice a lost
create. STORE_TEST_ROUNDS=N kills and restarts N times (default 1)."""
import json
import os
import pathlib
import random
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "python"))
from store_support import (Gatehouse, PostgresCluster, fail, psql, request, scim_headers, scim_token,  # noqa: E402
                           scim_user, tenant_yaml)
import http.client  # noqa: E402

TENANT = "acme"
THREADS = 8


def main(arguments):
    backends = arguments or ["sqlite", "postgres"]
    for backend in backends:
        if backend not in ("sqlite", "postgres"):
            sys.exit(f"unknown backend {backend} (sqlite or postgres)")
    for backend in backends:
        run_backend(backend)
    print(f"sigkill durability test passed on {', '.join(backends)}")


def run_backend(backend):
    work = pathlib.Path(tempfile.mkdtemp(prefix=f"gatehouse-sigkill-{backend}-"))
    cluster = None
    gatehouse = None
    passed = False
    try:
        if backend == "sqlite":
            store = f"sqlite:{work}/gatehouse.db"
        else:
            cluster = PostgresCluster()
            store = cluster.create_database()
        token, token_hash = scim_token()
        gatehouse = Gatehouse(work, store, tenant_yaml(TENANT, token_hash))
        gatehouse.start()
        acknowledged = {}
        for round_number in range(int(os.environ.get("STORE_TEST_ROUNDS", "1"))):
            acknowledged.update(stream_and_kill(gatehouse, token, work, f"r{round_number}"))
            if os.environ.get("STORE_TEST_SABOTAGE"):
                sabotage(os.environ["STORE_TEST_SABOTAGE"], backend, store, next(iter(acknowledged.values())))
            gatehouse.start()
            check_all_there(gatehouse, token, acknowledged, backend)
        print(f"{backend}: all {len(acknowledged)} acknowledged creates survived SIGKILL")
        passed = True
    except BaseException:
        if gatehouse is not None:
            print(f"gatehouse log ({backend}):\n{gatehouse.log_tail()}", file=sys.stderr)
        print(f"kept for a look: {work}", file=sys.stderr)
        raise
    finally:
        if gatehouse is not None:
            gatehouse.stop()
        if cluster is not None:
            if not cluster.own:
                cluster.drop_database(store)
            cluster.close()
        if passed:
            shutil.rmtree(work, ignore_errors=True)


def stream_and_kill(gatehouse, token, work, prefix):
    """Streams creates from another process, SIGKILLs Gatehouse once enough were acknowledged;
    returns {userName: id} of every 201."""
    acks = work / f"acks-{prefix}.jsonl"
    client = subprocess.Popen([sys.executable, __file__, "--client", gatehouse.base, token, str(acks), prefix],
                              stdout=subprocess.PIPE, text=True)
    try:
        target = random.randint(200, 400)
        deadline = time.monotonic() + 120
        while count_lines(acks) < target:
            if client.poll() is not None:
                fail(f"the client stopped before {target} creates were acknowledged: {client.stdout.read()}")
            if time.monotonic() > deadline:
                fail(f"fewer than {target} creates acknowledged in 120 s ({count_lines(acks)})")
            time.sleep(0.01)  # polling the acknowledgement file, not waiting on a guess
        killed_time = time.monotonic()  # CLOCK_MONOTONIC: the same clock in the client process
        gatehouse.kill()
        killed_at = count_lines(acks)
        summary = json.loads(client.communicate(timeout=120)[0])
    finally:
        if client.poll() is None:
            client.kill()
            client.wait()
    in_flight = sum(1 for sent_at in summary.pop("cut_off_sent_at") if sent_at < killed_time)
    print(f"killed after {killed_at} acknowledgements with {in_flight} creates in flight; client: {json.dumps(summary)}")
    if summary["unexpected"]:
        fail(f"answers other than 201 during the stream: {summary['unexpected'][:5]}")
    if in_flight == 0:
        print("note: no create was in flight at the kill (each thread was between requests)", file=sys.stderr)
    acknowledged = {}
    for line in acks.read_text().splitlines():
        entry = json.loads(line)
        acknowledged[entry["userName"]] = entry["id"]
    assert len(acknowledged) == summary["acknowledged"], (len(acknowledged), summary)
    return acknowledged


def count_lines(path):
    try:
        with open(path, "rb") as file:
            return sum(1 for line in file if line.endswith(b"\n"))
    except FileNotFoundError:
        return 0


def sabotage(kind, backend, store, user_id):
    """Only for checking that the test can fail: one acknowledged user deleted behind its back
    (`delete-one`), or its lookup key changed so that only `filter=userName eq` misses it
    (`rekey-one`)."""
    statement = {"delete-one": "DELETE FROM users WHERE id = {}",
                 "rekey-one": "UPDATE users SET user_name_key = 'sabotaged-' || user_name_key WHERE id = {}"}[kind]
    if backend == "sqlite":
        with sqlite3.connect(store.removeprefix("sqlite:")) as database:
            changed = database.execute(statement.format("?"), (user_id,)).rowcount
    else:
        changed = psql(store, f"WITH changed AS ({statement.format(repr(user_id))} RETURNING 1) SELECT count(*) FROM changed")
    print(f"SABOTAGE ({kind}): user {user_id} changed in the store behind Gatehouse's back ({changed} row)", file=sys.stderr)


def check_all_there(gatehouse, token, acknowledged, backend):
    headers = scim_headers(token)
    connection = http.client.HTTPConnection("127.0.0.1", gatehouse.port, timeout=30)
    missing = []
    try:
        for user_name, user_id in acknowledged.items():
            by_id = request("GET", f"{gatehouse.base}/scim/v2/{TENANT}/Users/{user_id}", headers, connection=connection)
            if by_id.status != 200 or by_id.json().get("userName") != user_name:
                missing.append((user_name, user_id, "by id", by_id))
                continue
            query = urllib.parse.quote(f'userName eq "{user_name}"')
            found = request("GET", f"{gatehouse.base}/scim/v2/{TENANT}/Users?filter={query}", headers, connection=connection)
            resources = found.json().get("Resources", []) if found.status == 200 else None
            if resources is None or found.json().get("totalResults") != 1 or resources[0].get("id") != user_id:
                missing.append((user_name, user_id, "by filter", found))
        total = request("GET", f"{gatehouse.base}/scim/v2/{TENANT}/Users?count=0", headers, connection=connection)
    finally:
        connection.close()
    if missing:
        for entry in missing[:10]:
            print("missing after restart:", *entry, file=sys.stderr)
        fail(f"{backend}: {len(missing)} of {len(acknowledged)} acknowledged creates are not there after SIGKILL and restart")
    stored = total.json()["totalResults"]
    if stored < len(acknowledged):
        fail(f"{backend}: the store counts {stored} users, fewer than the {len(acknowledged)} acknowledged")
    print(f"{backend}: {len(acknowledged)} acknowledged, {stored} stored (creates cut off by the kill may or may not have landed)")


# The client process: THREADS threads, each on its own keep-alive connection, creating users until
# Gatehouse goes away; every 201 is appended to the acknowledgement file the moment it is read.
def client(base, token, acks_path, prefix):
    parts = urllib.parse.urlsplit(base)
    headers = scim_headers(token)
    lock = threading.Lock()
    acks = open(acks_path, "a")
    summary = {"acknowledged": 0, "cut_off": 0, "refused": 0, "unexpected": [], "cut_off_sent_at": []}
    stop_at = time.monotonic() + 180

    def worker(number):
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
        sent = 0
        try:
            while time.monotonic() < stop_at:
                sent += 1
                sent_at = time.monotonic()
                user_name = f"kill-{prefix}-{number}-{sent}@{TENANT}.example"
                body = json.dumps(scim_user(user_name)).encode()
                try:
                    connection.request("POST", f"/scim/v2/{TENANT}/Users", body=body, headers=headers)
                except OSError:
                    with lock:
                        summary["refused"] += 1  # not sent: Gatehouse is gone
                    return
                try:
                    response = connection.getresponse()
                    data = response.read()
                except (OSError, http.client.HTTPException):
                    with lock:
                        summary["cut_off"] += 1  # sent, never answered (in flight at the kill if sent before it)
                        summary["cut_off_sent_at"].append(sent_at)
                    return
                with lock:
                    if response.status == 201:
                        acks.write(json.dumps({"userName": user_name, "id": json.loads(data)["id"]}) + "\n")
                        acks.flush()
                        summary["acknowledged"] += 1
                    else:
                        summary["unexpected"].append([user_name, response.status, data.decode(errors="replace")[:200]])
                        return
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(number,)) for number in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    acks.close()
    print(json.dumps(summary))


if __name__ == "__main__":
    if sys.argv[1:2] == ["--client"]:
        client(*sys.argv[2:6])
    else:
        main(sys.argv[1:])
