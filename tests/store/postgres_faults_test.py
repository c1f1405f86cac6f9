"""Faults on the PostgreSQL store (issue 12, item 5), against a real `gatehouse serve` on a
throwaway cluster of our own (scripts/postgres-cluster.sh: this test stops PostgreSQL, so it never
uses the shared GATEHOUSE_TEST_POSTGRES cluster).

Set-up: an upstream of our own (Python, records every request it gets), `gatehouse dev-idp`, and
Gatehouse with `store_timeout: 2s`, `public_paths: ["^/public/"]` and a tenant with a SCIM token
and the dev IdP's metadata. A user is made over SCIM and signed in without a browser: the dev IdP's
form is posted as its page would (an IdP-initiated response), and that response is posted to the
ACS as the browser's same-site re-submission does; the ACS's `Set-Cookie` is the session.

1. PostgreSQL stopped (`pg_ctl stop -m fast`): `/readyz` on the admin port is not 200; the
   signed-in request is a 503 and never reaches the upstream; SCIM is a 503 with a SCIM error
   body; a public path and `/healthz` still answer. PostgreSQL started again: without restarting
   Gatehouse (same process), `/readyz` is 200 again and the signed-in request reaches the upstream
   again, within a deadline.
2. Slow database: `LOCK TABLE sessions, users IN ACCESS EXCLUSIVE MODE` held in an open psql
   transaction; several requests that need the store (SCIM list, a session not yet cached) are
   seen waiting in pg_stat_activity, and each is a 503 within store_timeout (+ margin); meanwhile
   the public path and `/healthz` answer in under 1 s each (no event loop is held). After the lock
   is released, the store serves again.
3. Pool exhaustion: a second Gatehouse with `store_pool_size: 1`; `users` locked; two SCIM
   users lists queued one behind the other keep the only pool connection waiting on the lock
   (each for up to a lock_timeout, which Gatehouse sets to store_timeout); `/readyz` (a `SELECT 1`,
   which does not need the locked table: checked under the same lock beforehand) and a SCIM groups
   list queued behind them must be answered within store_timeout (+ margin) as a clear 503, not a
   hang.

    tests/store/postgres_faults_test.py"""
import http.server
import json
import os
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from html import unescape

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "python"))
from local_servers import free_port, wait_for  # noqa: E402
from store_support import (BIN, CHILD_ENV, SCIM_ERROR, Gatehouse, PostgresCluster, psql, psql_binary,  # noqa: E402
                           request, scim_headers, scim_token, scim_user, tenant_yaml)

TENANT = "acme"
STORE_TIMEOUT = 2.0
MARGIN = 1.5  # what a 503 may take beyond store_timeout
PROMPT = 1.0  # what a public path or /healthz may take while the database is slow
RECOVERY = 30.0  # how long Gatehouse has to notice that PostgreSQL is back
EXTRA = f"store_timeout: {int(STORE_TIMEOUT)}s\npublic_paths: [\"^/public/\"]\n"

failures = []


def check(condition, message):
    """A failed expectation is recorded (the test goes on, so one run reports every finding)."""
    if condition:
        print("ok:", message)
    else:
        print("FAILED:", message, file=sys.stderr)
        failures.append(message)
    return condition


def main():
    cluster = PostgresCluster(own=True)
    work = pathlib.Path(tempfile.mkdtemp(prefix="gatehouse-pg-faults-"))
    upstream = Upstream()
    processes, gatehouses = [], []
    try:
        token, token_hash = scim_token()
        store = cluster.create_database()
        idp_port = free_port()
        gatehouse = Gatehouse(work, store, tenant_yaml(TENANT, token_hash, metadata_url=f"http://127.0.0.1:{idp_port}/metadata"),
                              extra_yaml=EXTRA, upstream_port=upstream.port)
        gatehouses.append(gatehouse)
        processes.append(subprocess.Popen(
            [str(BIN / "gatehouse"), "dev-idp", "--listen", f"127.0.0.1:{idp_port}", "--gatehouse", gatehouse.base, "--tenant", TENANT],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=CHILD_ENV))
        wait_for(f"http://127.0.0.1:{idp_port}/metadata")
        gatehouse.start()
        scim = Scim(gatehouse, token)
        for email in ("admin@acme.example", "second@acme.example"):
            created = scim.post_user(email)
            assert created.status == 201, created
        cookie = sign_in(gatehouse, idp_port, "admin@acme.example")
        cookie_unused = sign_in(gatehouse, idp_port, "second@acme.example")  # first used while the tables are locked
        baseline(gatehouse, upstream, scim, cookie)

        database_stopped(cluster, gatehouse, upstream, scim, cookie)
        slow_database(store, gatehouse, upstream, scim, cookie, cookie_unused)

        pooled = Gatehouse(work, cluster.create_database(), tenant_yaml(TENANT, token_hash), name="pool-of-one",
                           extra_yaml=EXTRA + "store_pool_size: 1\n", upstream_port=upstream.port)
        gatehouses.append(pooled)
        pooled.start()
        pool_exhausted(pooled, Scim(pooled, token), store_of(pooled))
    except BaseException:
        for gatehouse in gatehouses:
            print(f"log of {gatehouse.config.name}:\n{gatehouse.log_tail()}", file=sys.stderr)
        print(f"kept for a look: {work}", file=sys.stderr)
        raise
    finally:
        for gatehouse in gatehouses:
            gatehouse.stop()
        for process in processes:
            process.terminate()
            process.wait(timeout=30)
        upstream.close()
        cluster.close()
    if failures:
        print(f"kept for a look: {work}", file=sys.stderr)
        print(f"{len(failures)} expectations failed:", *failures, sep="\n  ", file=sys.stderr)
        for gatehouse in gatehouses:
            print(f"log of {gatehouse.config.name}:\n{gatehouse.log_tail()}", file=sys.stderr)
        sys.exit(1)
    shutil.rmtree(work, ignore_errors=True)
    print("postgres faults test passed")


def store_of(gatehouse):
    return re.search(r"^store: (.*)$", gatehouse.config.read_text(), re.MULTILINE).group(1)


class Upstream:
    """The app behind Gatehouse: answers 200 and records (path, X-Forwarded-Email) of each request."""

    def __init__(self):
        self.seen = []
        self.lock = threading.Lock()
        upstream = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self):
                with upstream.lock:
                    upstream.seen.append((self.path, self.headers.get("X-Forwarded-Email")))
                body = f"upstream saw {self.path}\n".encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *arguments):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def saw(self, path):
        with self.lock:
            return [email for seen_path, email in self.seen if seen_path == path]

    def close(self):
        self.server.shutdown()
        self.server.server_close()


class Scim:
    def __init__(self, gatehouse, token):
        self.base = f"{gatehouse.base}/scim/v2/{TENANT}"
        self.headers = scim_headers(token)

    def post_user(self, user_name, timeout=30):
        return request("POST", self.base + "/Users", self.headers, scim_user(user_name, role="ADMINISTRATOR"), timeout=timeout)

    def get(self, path, timeout=30):
        return request("GET", self.base + path, self.headers, timeout=timeout)


def form_value(html, name):
    match = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert match, f"no {name} in the page: {html[:500]}"
    return unescape(match.group(1))


def sign_in(gatehouse, idp_port, email):
    """An IdP-initiated sign-in as the dev IdP's page and a browser would do it; returns the
    session cookie (`name=value`)."""
    form = urllib.parse.urlencode({"email": email, "role": "ADMINISTRATOR", "in_response_to": "", "relay_state": ""})
    page = request("POST", f"http://127.0.0.1:{idp_port}/sso", {"Content-Type": "application/x-www-form-urlencoded"}, form)
    assert page.status == 200, page
    # The browser's second, same-site POST (ACSResubmission) is the one that is validated.
    fields = {"SAMLResponse": form_value(page.body, "SAMLResponse"), "gatehouse_resubmitted": "1"}
    answer = request("POST", f"{gatehouse.base}/sso/saml/{TENANT}/acs",
                     {"Content-Type": "application/x-www-form-urlencoded", "Sec-Fetch-Site": "same-origin"}, urllib.parse.urlencode(fields))
    assert answer.status in (302, 303), f"the ACS did not sign {email} in: {answer}"
    for set_cookie in answer.header("set-cookie") or []:
        pair = set_cookie.split(";", 1)[0]
        if pair.split("=", 1)[0].endswith("gatehouse_session"):
            return pair
    raise AssertionError(f"no session cookie from the ACS: {answer.headers}")


def signed_in_get(gatehouse, cookie, path, timeout=30):
    return request("GET", gatehouse.base + path, {"Cookie": cookie, "Accept": "text/html"}, timeout=timeout)


def baseline(gatehouse, upstream, scim, cookie):
    answer = signed_in_get(gatehouse, cookie, "/app/baseline")
    assert answer.status == 200 and upstream.saw("/app/baseline") == ["admin@acme.example"], (answer, upstream.seen)
    answer = request("GET", gatehouse.base + "/public/baseline")
    assert answer.status == 200 and upstream.saw("/public/baseline") == [None], answer
    assert request("GET", gatehouse.admin + "/readyz").status == 200
    assert scim.get("/Users").status == 200
    # Without the cookie the app's page is the sign-in redirect: the 200 above came from the session.
    assert request("GET", gatehouse.base + "/app/baseline-anonymous", {"Accept": "text/html"}).status == 302
    print("baseline: signed in, the upstream sees the user, public path and SCIM answer")


def is_scim_error(answer, status):
    try:
        body = answer.json()
    except ValueError:
        return False
    return (answer.status == status and SCIM_ERROR in body.get("schemas", []) and str(body.get("status")) == str(status)
            and (answer.header("content-type") or "").startswith("application/scim+json"))


def database_stopped(cluster, gatehouse, upstream, scim, cookie):
    pid = gatehouse.process.pid
    cluster.stop()
    print("PostgreSQL stopped (pg_ctl stop -m fast)")
    ready = poll(lambda: request("GET", gatehouse.admin + "/readyz", timeout=STORE_TIMEOUT + MARGIN + 5).status != 200,
                 STORE_TIMEOUT + MARGIN + 5)
    check(ready, "database down: /readyz is not 200")

    answer = signed_in_get(gatehouse, cookie, "/app/while-down", timeout=STORE_TIMEOUT + MARGIN + 5)
    check(answer.status == 503, f"database down: the signed-in request is a 503 (got {answer})")
    check(upstream.saw("/app/while-down") == [], f"database down: the signed-in request never reaches the upstream (it saw {upstream.saw('/app/while-down')})")
    check(answer.seconds <= STORE_TIMEOUT + MARGIN, f"database down: the signed-in request was answered within store_timeout + {MARGIN} s ({answer.seconds:.2f} s)")

    listed = scim.get("/Users", timeout=STORE_TIMEOUT + MARGIN + 5)
    check(is_scim_error(listed, 503), f"database down: SCIM list is a 503 with a SCIM error body (got {listed}, {listed.header('content-type')})")
    created = scim.post_user("while-down@acme.example", timeout=STORE_TIMEOUT + MARGIN + 5)
    check(is_scim_error(created, 503), f"database down: SCIM create is a 503 with a SCIM error body (got {created})")

    public = request("GET", gatehouse.base + "/public/while-down", timeout=10)
    check(public.status == 200 and upstream.saw("/public/while-down") == [None],
          f"database down: the public path still reaches the upstream (got {public})")
    health = request("GET", gatehouse.admin + "/healthz", timeout=10)
    check(health.status == 200, f"database down: /healthz still answers 200 (got {health})")

    cluster.start()
    print("PostgreSQL started again on the same port")
    started = time.monotonic()
    recovered = poll(lambda: request("GET", gatehouse.admin + "/readyz", timeout=10).status == 200, RECOVERY)
    check(recovered, f"database back: /readyz is 200 again within {RECOVERY:.0f} s ({time.monotonic() - started:.1f} s)")
    attempts = []

    def reaches_upstream():
        path = f"/app/after-recovery-{len(attempts)}"
        attempts.append(signed_in_get(gatehouse, cookie, path, timeout=10))
        return attempts[-1].status == 200 and upstream.saw(path) == ["admin@acme.example"]

    check(poll(reaches_upstream, RECOVERY),
          f"database back: the signed-in request reaches the upstream again within {RECOVERY:.0f} s (last: {attempts[-1] if attempts else None})")
    check(gatehouse.process.poll() is None and gatehouse.process.pid == pid, "database back: the same Gatehouse process, not restarted")
    check(poll(lambda: scim.get("/Users").status == 200, RECOVERY), "database back: SCIM answers again")


class LockHolder:
    """An open psql transaction holding ACCESS EXCLUSIVE locks on `tables` until `release`."""

    def __init__(self, url, tables):
        self.process = subprocess.Popen([psql_binary(), "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", url],
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.process.stdin.write(f"BEGIN;\nLOCK TABLE {', '.join(tables)} IN ACCESS EXCLUSIVE MODE;\nSELECT 'locked';\n")
        self.process.stdin.flush()
        line = self.process.stdout.readline().strip()  # blocks until the locks are held (psql answers)
        if line != "locked":
            raise RuntimeError(f"could not lock {tables}: {line} {self.process.stderr.read()}")

    def release(self):
        if self.process.poll() is None:
            self.process.stdin.write("ROLLBACK;\n")
            self.process.stdin.close()
            self.process.wait(timeout=30)


def waiting_on_locks(url):
    return int(psql(url, "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'gatehouse' AND wait_event_type = 'Lock'"))


def slow_database(store, gatehouse, upstream, scim, cookie, cookie_unused):
    holder = LockHolder(store, ["sessions", "users"])
    results = {}
    try:
        print("sessions and users locked (ACCESS EXCLUSIVE) in an open transaction")

        def store_request(name, call):
            started = time.monotonic()
            try:
                results[name] = call()
            except OSError as error:
                results[name] = error
            results[name + " seconds"] = time.monotonic() - started

        calls = {
            "SCIM list 1": lambda: scim.get("/Users", timeout=30),
            "SCIM list 2": lambda: scim.get("/Users?filter=" + urllib.parse.quote('userName eq "admin@acme.example"'), timeout=30),
            "SCIM get": lambda: scim.get("/Users?count=1", timeout=30),
            "SCIM create": lambda: scim.post_user("while-locked@acme.example", timeout=30),
            "new session": lambda: signed_in_get(gatehouse, cookie_unused, "/app/while-locked-new", timeout=30),
        }
        threads = [threading.Thread(target=store_request, args=item) for item in calls.items()]
        for thread in threads:
            thread.start()
        waiting = poll(lambda: waiting_on_locks(store) >= 2, STORE_TIMEOUT)
        check(waiting, f"slow database: Gatehouse's queries are waiting on the locks ({waiting_on_locks(store)} seen)")
        slowest_public = slowest_health = 0.0
        while any(thread.is_alive() for thread in threads):
            public = request("GET", gatehouse.base + "/public/while-locked", timeout=10)
            health = request("GET", gatehouse.admin + "/healthz", timeout=10)
            if public.status != 200 or health.status != 200:
                check(False, f"slow database: the public path and /healthz answer 200 (got {public}, {health})")
                break
            slowest_public, slowest_health = max(slowest_public, public.seconds), max(slowest_health, health.seconds)
        for thread in threads:
            thread.join()
        check(slowest_public < PROMPT, f"slow database: the public path answered within {PROMPT} s each time (slowest {slowest_public:.3f} s)")
        check(slowest_health < PROMPT, f"slow database: /healthz answered within {PROMPT} s each time (slowest {slowest_health:.3f} s)")
        for name in calls:
            answer, seconds = results[name], results[name + " seconds"]
            if name.startswith("SCIM"):
                check(not isinstance(answer, Exception) and is_scim_error(answer, 503), f"slow database: {name} is a SCIM 503 (got {answer})")
            else:
                check(not isinstance(answer, Exception) and answer.status == 503, f"slow database: {name} request is a 503 (got {answer})")
            check(seconds <= STORE_TIMEOUT + MARGIN, f"slow database: {name} answered within store_timeout + {MARGIN} s ({seconds:.2f} s)")
        check(upstream.saw("/app/while-locked-new") == [], "slow database: the unchecked session never reached the upstream")
    finally:
        holder.release()
    print("locks released")
    check(poll(lambda: scim.get("/Users").status == 200, RECOVERY), "slow database over: SCIM answers again")
    check(poll(lambda: signed_in_get(gatehouse, cookie_unused, "/app/after-lock").status == 200, RECOVERY),
          "slow database over: the session that was looked up during the lock works now")


def pool_exhausted(gatehouse, scim, store):
    """The only pool connection is held past the deadline of the requests behind it: A1 (a users
    list) waits on the users lock and holds the connection until the server's lock_timeout ends
    it; A2 (another users list), queued behind A1, then gets the connection and waits on the lock
    for a whole lock_timeout of its own, long after its caller gave up. /readyz and a groups list
    queued behind A2 (sent while A1 still holds the connection) cannot get the connection before
    their own deadline: each must be a clear 503 within store_timeout (+ margin), not a hang."""
    holder = LockHolder(store, ["users"])
    try:
        print("pool of one: users locked")
        control = request("GET", gatehouse.admin + "/readyz", timeout=STORE_TIMEOUT + MARGIN + 5)
        if not check(control.status == 200, f"pool of one: /readyz needs no users row (200 under the users lock, got {control})"):
            print("cannot exhaust the pool from outside: /readyz needs the locked table", file=sys.stderr)
            return
        results = {}

        def send(name, call):
            started = time.monotonic()
            try:
                results[name] = call()
            except OSError as error:
                results[name] = error
            results[name + " sent"] = started

        threads = []

        def start(name, call):
            threads.append(threading.Thread(target=send, args=(name, call)))
            threads[-1].start()

        start("A1", lambda: scim.get("/Users", timeout=30))
        check(poll(lambda: waiting_on_locks(store) >= 1, STORE_TIMEOUT / 2),
              "pool of one: A1 (a SCIM users list) holds the only connection, waiting on the lock")
        start("A2", lambda: scim.get("/Users?count=1", timeout=30))
        # An ordering gap, not a readiness wait: A2 must reach the pool's queue before the two
        # below (a local request is dispatched within milliseconds). Had it not, the requests
        # below would get the connection when A1's lock wait ends, and the checks below fail.
        time.sleep(0.2)
        start("readyz", lambda: request("GET", gatehouse.admin + "/readyz", timeout=30))
        start("groups", lambda: scim.get("/Groups", timeout=30))
        for thread in threads:
            thread.join()
        a1_started = results["A1 sent"]
        for name in ("readyz", "groups"):
            answer = results[name]
            if isinstance(answer, Exception):
                check(False, f"pool of one: {name} answered (got {answer!r})")
                continue
            print(f"pool of one: {name} sent {results[name + ' sent'] - a1_started:.2f} s after A1: {answer}")
            check(answer.seconds <= STORE_TIMEOUT + MARGIN, f"pool of one: {name} answered within store_timeout + {MARGIN} s ({answer.seconds:.2f} s)")
        check(not isinstance(results["readyz"], Exception) and results["readyz"].status == 503,
              f"pool of one: /readyz is a 503 while the only connection is taken (got {results['readyz']})")
        check(not isinstance(results["groups"], Exception) and is_scim_error(results["groups"], 503),
              f"pool of one: a SCIM groups list queued for the connection is a SCIM 503 (got {results['groups']})")
        for name in ("A1", "A2"):
            check(not isinstance(results[name], Exception) and is_scim_error(results[name], 503)
                  and results[name].seconds <= STORE_TIMEOUT + MARGIN,
                  f"pool of one: the users list {name} is a SCIM 503 within store_timeout + {MARGIN} s (got {results[name]})")
    finally:
        holder.release()
    check(poll(lambda: scim.get("/Users").status == 200, RECOVERY), "pool of one: SCIM answers again once the lock is gone")
    check(poll(lambda: request("GET", gatehouse.admin + "/readyz").status == 200, RECOVERY), "pool of one: /readyz is 200 again")


def poll(condition, timeout):
    deadline = time.monotonic() + timeout
    while True:
        try:
            if condition():
                return True
        except OSError:
            pass
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)  # polling a condition with a deadline, not waiting on a guess


if __name__ == "__main__":
    main()
