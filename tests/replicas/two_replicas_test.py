"""Two replicas on one PostgreSQL database agree (issue 12, item 3): two `gatehouse serve`
processes, A and B, with the same configuration but their own listen/admin ports (as two pods behind
one load balancer: the same `public_url`, the same tenant, the same store), in front of the demo
upstream, with `gatehouse dev-idp` as the IdP. Scenarios, each an assertion that can fail:

  a. a session made on A works on B (the upstream sees the identity headers, and the JWT B signed
     verifies against A's JWKS: the cookie MAC and JWT keys are shared);
  b. a SAML response consumed on A is a replay on B (refused, and B's log says saml.replay);
  c. a sign-in started on A (AuthnRequest and pending cookie from A) completes on B;
  d. SCIM `PATCH active:false` and SCIM DELETE sent to A cut that user off on B within 1 s of A's
     answer, while B was serving the user from its cache just before (a request on B right before);
  e. a role change on A (SCIM PATCH, SCIM PUT) shows in the headers and JWT B sends upstream within
     1 s of A's answer;
  f. B's LISTEN connection (`application_name = 'gatehouse-listen'`) is terminated after a change
     made with a silent SQL UPDATE (triggers off, so nothing is notified): B must drop its cached
     sessions when it loses the connection and refuse within 1 s; once it is back, a SCIM
     deactivation on A reaches B within 1 s again.

The database is a fresh one on the cluster named by GATEHOUSE_TEST_POSTGRES (an admin URL, e.g.
postgres://postgres@127.0.0.1:PORT/postgres?sslmode=disable), dropped at the end; without it the
test starts a throwaway cluster with scripts/postgres-cluster.sh (or, when that script is missing, a
minimal initdb/pg_ctl of its own) and stops it at the end. Binaries: GATEHOUSE_BIN_DIR (default
.build/debug). Everything binds 127.0.0.1, readiness and conditions are polled with deadlines.

Negative controls (how each assertion was checked to fail; not part of `make test`):
  --store postgres-separate A and B on two PostgreSQL databases: a, b, c fail (f is skipped);
  --store sqlite-separate   A and B on two SQLite files: a, b, c fail;
  --store sqlite-shared     A and B on one SQLite file (no notifications): d and e fail (B re-checks
                            only every 5 s), f is skipped;
  --control no-terminate    (PostgreSQL) f without terminating the listener: f fails;
  --control drop-notifications --only de
                            (PostgreSQL) B behind a TCP proxy that drops every NOTIFY before it
                            reaches B (its LISTEN connection stays up): d and e fail.
Every scenario runs even when an earlier one failed; the exit status is 1 when any failed."""
import argparse
import base64
import json
import os
import pathlib
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from replica_deployment import BIN, ROOT, TENANT, Cluster, Deployment, literal, psql, upstream_headers  # noqa: E402

LIMIT = 1.0  # seconds: revocation and role changes reach the other replica within this
OBSERVE = 8.0  # how long a poll keeps watching past the limit, so a failure reports the real delay


def jwt_claims(token):
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


# ---------------------------------------------------------------- scenarios


class Failure(AssertionError):
    pass


def check(condition, message):
    if not condition:
        raise Failure(message)


def signed_in(deployment, email, start_on, finish_on):
    session, answer, *_ = deployment.sign_in(email, start_on, finish_on)
    check(answer.status == 303 and session,
          f"sign-in of {email} started on {start_on.name}, ACS on {finish_on.name}: expected 303 with a session cookie, got {answer!r}")
    return session


def wait_until(condition, limit):
    """Polls `condition()` until it holds; returns the seconds it took, or None when it never did
    within limit + OBSERVE (watching past the limit, so that a failure can say how late it was)."""
    start = time.monotonic()
    while True:
        if condition():
            return time.monotonic() - start
        if time.monotonic() - start > limit + OBSERVE:
            return None
        time.sleep(0.005)  # polling a condition, not waiting on a guess


def refused_on(replica, session):
    """True when `replica` no longer lets the session through (401 for an API call)."""
    answer = replica.page(session, connection=replica.poller)
    if answer.status == 200:
        return False
    if answer.status != 401:
        raise Failure(f"GET {replica.name}/whoami: expected 200 or 401, got {answer!r}")
    return True


def scenario_a(deployment):
    """A session made on A works on B."""
    a, b = deployment.a, deployment.b
    email, user_id = deployment.create_user(role="DEVELOPER")
    session = signed_in(deployment, email, a, a)
    answer = b.page(session)
    headers = upstream_headers(answer)
    check(headers is not None, f"GET B/whoami with A's session cookie: expected 200 from the upstream, got {answer!r}")
    check(headers.get("x-forwarded-email") == email and headers.get("x-forwarded-user") == user_id
          and headers.get("x-forwarded-role") == "DEVELOPER" and headers.get("x-forwarded-tenant") == TENANT,
          f"B's identity headers: expected email {email}, user {user_id}, role DEVELOPER, tenant {TENANT}; got {headers}")
    token = headers.get("x-gatehouse-jwt-assertion")
    check(token, f"B sent no X-Gatehouse-Jwt-Assertion: {headers}")
    jwks = a.http.request("GET", "/sso/jwks.json")
    verify = subprocess.run([sys.executable, str(ROOT / "tests" / "python" / "verify_jwt.py"), token, deployment.public_url,
                             deployment.public_url], input=jwks.text(), capture_output=True, text=True)
    check(verify.returncode == 0, "the JWT B signed does not verify against A's /sso/jwks.json (the JWT key is not shared): "
                                  f"{verify.stdout}{verify.stderr[-500:]}")
    check(jwt_claims(token).get("sub") == user_id, f"B's JWT names another subject: {jwt_claims(token)}")
    return f"session from A served by B as {email}; B's JWT verifies with A's JWKS"


def scenario_b(deployment):
    """A SAML response consumed on A is a replay on B."""
    a, b = deployment.a, deployment.b
    email, _ = deployment.create_user()
    session, answer, pending, saml_response, relay = deployment.sign_in(email, a, a)
    check(answer.status == 303 and session, f"sign-in on A: expected 303 with a session cookie, got {answer!r}")
    log_before = len(b.process.log_text())
    # The same response with the same pending cookie (which still names its request): only the
    # replay cache can tell B that A consumed it.
    replay = deployment.post_acs(b, pending, saml_response, relay)
    check(replay.status != 303 and "gatehouse_session" not in replay.cookies(),
          f"POST B/sso/saml/{TENANT}/acs with the response A consumed: expected a refusal, got {replay.status} "
          f"with cookies {list(replay.cookies())}")
    said_replay = wait_until(lambda: "saml.replay" in b.process.log_text()[log_before:], 0) is not None
    check(said_replay, f"B refused the replayed response ({replay.status}) but its log does not say saml.replay: "
                       f"{b.process.log_text()[log_before:][-1500:]}")
    return f"replay refused by B ({replay.status}, saml.replay)"


def scenario_c(deployment):
    """A sign-in started on A completes on B."""
    a, b = deployment.a, deployment.b
    email, _ = deployment.create_user()
    session = signed_in(deployment, email, a, b)
    for replica in (b, a):
        headers = upstream_headers(replica.page(session))
        check(headers is not None and headers.get("x-forwarded-email") == email,
              f"the session B made from A's sign-in, on {replica.name}: expected the upstream to see {email}, got {headers}")
    return "AuthnRequest and pending cookie from A, ACS on B: signed in, the session works on both"


def revocation(deployment, change, label):
    """Signs a fresh user in on A, makes B cache the session, applies `change(user_id)` on A and
    measures how long B still lets the session through."""
    a, b = deployment.a, deployment.b
    email, user_id = deployment.create_user()
    session = signed_in(deployment, email, a, a)
    warm = b.page(session, connection=b.poller)
    check(warm.status == 200, f"B before the {label}: expected 200, got {warm!r}")
    sent = time.monotonic()
    answer = change(user_id)
    answered = time.monotonic()
    check(answer.status in (200, 204), f"{label} on A: expected 200/204, got {answer!r}")
    check(a.page(session).status == 401, f"A still lets the session through right after its own {label}")
    refused = wait_until(lambda: refused_on(b, session), LIMIT) is not None
    delay, total = time.monotonic() - answered, time.monotonic() - sent
    check(refused, f"{label} on A: B still served the session {delay:.1f} s after A answered (expected a 401 within {LIMIT} s)")
    check(delay <= LIMIT, f"{label} on A: B refused the session {delay * 1000:.0f} ms after A answered ({total * 1000:.0f} ms after the "
                          f"request was sent; expected within {LIMIT * 1000:.0f} ms)")
    return delay, total


def in_parts(parts):
    """Runs every part (label, function returning its result text) even after one failed."""
    results, failures = [], []
    for label, part in parts:
        try:
            results.append(f"{label}: {part()}")
        except Failure as failure:
            failures.append(str(failure))
    if failures:
        raise Failure(" | ".join(failures))
    return "; ".join(results)


def scenario_d(deployment):
    """SCIM active:false and DELETE on A cut the user off on B within 1 s."""
    def deactivate():
        delay, total = revocation(deployment, lambda user_id: deployment.patch_user(user_id, [{"op": "replace", "value": {"active": False}}]),
                                  "SCIM PATCH active:false")
        return f"B refuses {delay * 1000:.0f} ms after A answered ({total * 1000:.0f} ms after the PATCH was sent)"

    def delete():
        delay, total = revocation(deployment, lambda user_id: deployment.scim_call("DELETE", f"/Users/{user_id}"), "SCIM DELETE")
        return f"B refuses {delay * 1000:.0f} ms after A answered ({total * 1000:.0f} ms after the DELETE was sent)"

    return in_parts([("PATCH active:false", deactivate), ("DELETE", delete)])


def role_change(deployment, label, change, role):
    """Signs a fresh ANALYST in on A, makes B cache the session, applies `change(email, user_id)`
    (to `role`) on A and measures until B's upstream request carries the new role (header and JWT)."""
    a, b = deployment.a, deployment.b
    email, user_id = deployment.create_user(role="ANALYST")
    session = signed_in(deployment, email, a, a)
    before = upstream_headers(b.page(session, connection=b.poller))
    check(before is not None and before.get("x-forwarded-role") == "ANALYST", f"B before the {label}: expected role ANALYST, got {before}")
    sent = time.monotonic()
    answer = change(email, user_id)
    answered = time.monotonic()
    check(answer.status == 200, f"{label} on A: expected 200, got {answer!r}")
    seen = {}

    def shows_role():
        headers = upstream_headers(b.page(session, connection=b.poller))
        check(headers is not None, f"B refused the session during the {label}")
        seen.clear()
        seen.update(headers)
        return headers.get("x-forwarded-role") == role

    shown = wait_until(shows_role, LIMIT) is not None
    delay, total = time.monotonic() - answered, time.monotonic() - sent
    check(shown, f"{label} on A to {role}: B still sends X-Forwarded-Role {seen.get('x-forwarded-role')} {delay:.1f} s after A answered")
    check(delay <= LIMIT, f"{label} on A to {role}: B sent it {delay * 1000:.0f} ms after A answered ({total * 1000:.0f} ms after the "
                          f"request was sent; expected within {LIMIT * 1000:.0f} ms)")
    claims = jwt_claims(seen.get("x-gatehouse-jwt-assertion", "e30.e30.x"))
    check(claims.get("role") == role, f"{label}: B's header says {role} but its JWT says {claims.get('role')}")
    return f"{role} on B {delay * 1000:.0f} ms after A answered, {total * 1000:.0f} ms after it was sent (header and JWT)"


def scenario_e(deployment):
    """A role change on A shows on B's next request within 1 s (headers and JWT)."""
    def patch(email, user_id):
        return deployment.patch_user(user_id, [{"op": "replace", "path": "role", "value": "MANAGER"}])

    def put(email, user_id):
        return deployment.scim_call("PUT", f"/Users/{user_id}", deployment.user_document(email, "DEVELOPER"))

    return in_parts([("SCIM PATCH role", lambda: role_change(deployment, "SCIM PATCH role", patch, "MANAGER")),
                     ("SCIM PUT", lambda: role_change(deployment, "SCIM PUT", put, "DEVELOPER"))])


def tcp_ports(pid):
    """The local TCP ports of `pid`'s sockets (its fds' inodes matched against /proc/net/tcp*)."""
    inodes = set()
    for fd in pathlib.Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    ports = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = pathlib.Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if len(fields) > 9 and fields[9] in inodes:
                ports.add(int(fields[1].rsplit(":", 1)[1], 16))
    return ports


def listeners(deployment):
    """(pid, client_port) of every `gatehouse-listen` backend in this test's database."""
    rows = psql(deployment.admin_url, "SELECT pid, client_port FROM pg_stat_activity WHERE application_name = 'gatehouse-listen' "
                                      f"AND datname = {literal(deployment.database)}")
    return [(int(pid), int(port)) for pid, port in rows if port]


def listener_of(deployment, replica):
    ports = tcp_ports(replica.process.pid)
    return [pid for pid, port in listeners(deployment) if port in ports]


def scenario_f(deployment, control):
    """A lost LISTEN connection drops B's cached sessions (never a stale "allowed")."""
    a, b = deployment.a, deployment.b
    found = listeners(deployment)
    check(len(found) == 2, f"pg_stat_activity: expected 2 connections with application_name 'gatehouse-listen' (one per replica), "
                           f"got {len(found)}: {found}")
    b_listener = listener_of(deployment, b)
    check(len(b_listener) == 1, f"expected exactly one of them to be B's (pid {b.process.pid}), got {b_listener}")
    a_listener = listener_of(deployment, a)
    email, user_id = deployment.create_user()
    session = signed_in(deployment, email, a, a)
    warm = b.page(session, connection=b.poller)
    check(warm.status == 200, f"B before the silent UPDATE: expected 200, got {warm!r}")
    # A change nobody is told about: triggers are off for this transaction (session_replication_role),
    # and nothing calls NOTIFY, as if its notification had been lost with the connection.
    psql(deployment.database_url, "BEGIN; SET LOCAL session_replication_role = replica; "
                                  f"UPDATE users SET active = false WHERE id = {literal(user_id)}; COMMIT;")
    still = b.page(session, connection=b.poller)
    check(still.status == 200, "B refused right after the silent UPDATE, before its listener was touched: it either reads the store "
                               f"on every request or was notified anyway, so this scenario cannot test the lost connection ({still!r})")
    start = time.monotonic()
    if control != "no-terminate":
        terminated = psql(deployment.admin_url, f"SELECT pg_terminate_backend({b_listener[0]})")
        check(terminated == [["t"]], f"pg_terminate_backend({b_listener[0]}) did not terminate B's listener: {terminated}")
    delay = wait_until(lambda: refused_on(b, session), LIMIT)
    if delay is not None:
        delay = time.monotonic() - start  # from just before the termination
    what = "left alone (control)" if control == "no-terminate" else "terminated"
    check(delay is not None, f"B's LISTEN connection {what} after a silent deactivation: B still served the stale session "
                             f"{LIMIT + OBSERVE:.0f} s later")
    check(delay <= LIMIT, f"B's LISTEN connection {what} after a silent deactivation: B served the stale session for "
                          f"{delay * 1000:.0f} ms more (expected a refusal within {LIMIT * 1000:.0f} ms of losing the connection)")
    result = f"stale session refused by B {delay * 1000:.0f} ms after its listener was terminated"
    # B listens again (and A's listener was left alone), and notifications work again.
    reconnected = wait_until(lambda: listener_of(deployment, b) not in ([], b_listener), 10)
    check(reconnected is not None, "B did not open a new gatehouse-listen connection within 18 s of losing its own")
    check(listener_of(deployment, a) == a_listener, f"A's listener changed: {a_listener} -> {listener_of(deployment, a)}")
    again, _ = revocation(deployment, lambda uid: deployment.patch_user(uid, [{"op": "replace", "value": {"active": False}}]),
                          "SCIM PATCH active:false after B reconnected")
    return (f"{result}; B listening again after {reconnected * 1000:.0f} ms; a deactivation on A then reached B "
            f"{again * 1000:.0f} ms after A answered")


class NotificationDroppingProxy:
    """A negative control: a TCP proxy between B and PostgreSQL that forwards everything except
    NotificationResponse messages ('A'), so B's LISTEN connection stays up (its heartbeat answers)
    while no NOTIFY ever reaches it. Needs sslmode=disable (the stream is read as protocol messages
    from its first byte)."""

    def __init__(self, target_port):
        self.target_port = target_port
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.dropped = 0
        threading.Thread(target=self.accept, daemon=True).start()

    def rewrite(self, url):
        parts = urllib.parse.urlsplit(url)
        return urllib.parse.urlunsplit(parts._replace(netloc=f"{parts.username}@127.0.0.1:{self.port}"))

    def accept(self):
        while True:
            try:
                client, _ = self.server.accept()
            except OSError:
                return
            upstream = socket.create_connection(("127.0.0.1", self.target_port))
            threading.Thread(target=self.pipe, args=(client, upstream), daemon=True).start()
            threading.Thread(target=self.filter, args=(upstream, client), daemon=True).start()

    @staticmethod
    def pipe(source, target):
        try:
            while data := source.recv(65536):
                target.sendall(data)
        except OSError:
            pass
        for end in (source, target):
            try:
                end.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def filter(self, source, target):
        buffer = b""
        try:
            while data := source.recv(65536):
                buffer += data
                out = b""
                while len(buffer) >= 5:
                    length = int.from_bytes(buffer[1:5], "big")
                    if len(buffer) < 1 + length:
                        break
                    message, buffer = buffer[:1 + length], buffer[1 + length:]
                    if message[:1] == b"A":
                        self.dropped += 1
                    else:
                        out += message
                if out:
                    target.sendall(out)
        except OSError:
            pass
        self.pipe(source, target)

    def close(self):
        self.server.close()


SCENARIOS = [
    ("a", "session made on A works on B", scenario_a),
    ("b", "SAML response consumed on A is a replay on B", scenario_b),
    ("c", "sign-in started on A completes on B", scenario_c),
    ("d", "SCIM deactivation/DELETE on A cuts the user off on B within 1 s", scenario_d),
    ("e", "role change on A shows on B within 1 s", scenario_e),
    ("f", "lost LISTEN connection drops B's cached sessions", scenario_f),
]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--store", choices=["postgres", "postgres-separate", "sqlite-shared", "sqlite-separate"], default="postgres",
                        help="postgres (the test); the other modes are negative controls")
    parser.add_argument("--control", choices=["none", "no-terminate", "drop-notifications"], default="none",
                        help="negative controls: f without terminating B's listener; B behind a proxy that drops every NOTIFY")
    parser.add_argument("--only", default="abcdef", help="scenarios to run, e.g. 'df'")
    options = parser.parse_args()
    for binary in ("gatehouse", "demo-upstream"):
        if not (BIN / binary).exists():
            sys.exit(f"{BIN / binary} is missing (set GATEHOUSE_BIN_DIR or build first)")
    work = pathlib.Path(tempfile.mkdtemp(prefix="gatehouse-replicas-"))
    cluster = Cluster() if options.store.startswith("postgres") else None
    deployment = None
    proxy = None
    failures = []
    try:
        admin_url = cluster.start() if cluster else None
        if options.control == "drop-notifications":
            proxy = NotificationDroppingProxy(urllib.parse.urlsplit(admin_url).port)
        deployment = Deployment(work, options.store, admin_url, b_store=proxy.rewrite if proxy else None)
        deployment.start()
        for letter, title, scenario in SCENARIOS:
            if letter not in options.only:
                continue
            if letter == "f" and options.store != "postgres":
                print(f"SKIP {letter}. {title}: needs PostgreSQL")
                continue
            try:
                outcome = scenario(deployment, options.control) if letter == "f" else scenario(deployment)
                print(f"PASS {letter}. {title}: {outcome}")
            except Failure as failure:
                failures.append(letter)
                print(f"FAIL {letter}. {title}: {failure}")
            sys.stdout.flush()
    except BaseException:
        if deployment:
            for process in deployment.processes:
                print(f"--- {process.name} log (tail) ---\n{process.log_text()[-2000:]}", file=sys.stderr)
        print(f"logs in {work}", file=sys.stderr)
        raise
    finally:
        if deployment:
            deployment.stop()
        if proxy:
            print(f"(control) NotificationResponse messages dropped on their way to B: {proxy.dropped}")
            proxy.close()
        if cluster:
            cluster.stop()
    if failures:
        for name in ("gatehouse-A", "gatehouse-B"):
            log = (work / f"{name}.log")
            if log.exists():
                warnings = [line for line in log.read_text(errors="replace").splitlines() if '"warning"' in line or '"error"' in line]
                print(f"--- {name}: last warnings/errors ---\n" + "\n".join(warnings[-15:]), file=sys.stderr)
        print(f"logs in {work}", file=sys.stderr)
        sys.exit(f"two-replica test: {len(failures)} scenario(s) failed: {', '.join(failures)}")
    shutil.rmtree(work, ignore_errors=True)
    print(f"two-replica test passed ({options.store})")


if __name__ == "__main__":
    main()
