"""Helpers for the store tests (tests/store, tests/replicas): a PostgreSQL cluster to make fresh
databases on (the one `make test` started, named by GATEHOUSE_TEST_POSTGRES, or a throwaway one of
our own through scripts/postgres-cluster.sh), `gatehouse serve` as a child process that can be
killed and restarted on the same store, and a small HTTP client that follows no redirects and
times each request. Everything binds 127.0.0.1; everything started here is stopped by `close()`
(the tests call it in `finally`)."""
import hashlib
import http.client
import json
import os
import pathlib
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.parse

from local_servers import free_port

ROOT = pathlib.Path(__file__).resolve().parents[2]
BIN = pathlib.Path(os.environ.get("GATEHOUSE_BIN_DIR", ROOT / ".build" / "debug"))
CLUSTER_SCRIPT = ROOT / "scripts" / "postgres-cluster.sh"
METADATA = ROOT / "Tests" / "GatehouseSAMLTests" / "Fixtures" / "okta-metadata.xml"
# GATEHOUSE_* variables are configuration overrides to gatehouse, and ours (GATEHOUSE_BIN_DIR,
# GATEHOUSE_TEST_POSTGRES) would be unknown keys to it: none reaches the children.
CHILD_ENV = {name: value for name, value in os.environ.items() if not name.startswith("GATEHOUSE_")}
SCIM_USER = "urn:ietf:params:scim:schemas:core:2.0:User"
SCIM_ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"


def psql_binary():
    found = shutil.which("psql")
    if found:
        return found
    for candidate in sorted(pathlib.Path("/usr/lib/postgresql").glob("*/bin/psql"), reverse=True):
        return str(candidate)
    raise RuntimeError("psql is missing (apt-get install postgresql-client)")


def psql(url, sql):
    """Runs `sql` with psql against `url` and returns its unaligned, tuples-only output."""
    run = subprocess.run([psql_binary(), "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", url, "-c", sql],
                         capture_output=True, text=True, timeout=60)
    if run.returncode != 0:
        raise RuntimeError(f"psql failed ({sql!r}): {run.stderr.strip()}")
    return run.stdout.strip()


class PostgresCluster:
    """The test cluster: GATEHOUSE_TEST_POSTGRES's, unless `own` or that variable is unset, in
    which case one is started in a temporary folder (and stopped and removed by `close`). Only an
    own cluster may be stopped and started again (`stop`/`start`)."""

    def __init__(self, own=False):
        self.directory = None
        shared = os.environ.get("GATEHOUSE_TEST_POSTGRES")
        if shared and not own:
            self.admin_url = shared
            return
        self.directory = tempfile.mkdtemp(prefix="gatehouse-test-postgres-", dir="/tmp")
        try:
            self.admin_url = self._script("start")
        except BaseException:
            self.close()
            raise

    @property
    def own(self):
        return self.directory is not None

    def _script(self, command, *arguments):
        run = subprocess.run([str(CLUSTER_SCRIPT), command, self.directory, *arguments], capture_output=True, text=True, timeout=120)
        if run.returncode != 0:
            raise RuntimeError(f"postgres-cluster.sh {command} failed: {run.stderr.strip()}")
        return run.stdout.strip()

    def create_database(self):
        """A fresh, empty database; returns its URL (sslmode=disable, the admin user)."""
        name = "gatehouse_" + os.urandom(6).hex()
        psql(self.admin_url, f"CREATE DATABASE {name}")
        parts = urllib.parse.urlsplit(self.admin_url)
        return urllib.parse.urlunsplit(parts._replace(path="/" + name))

    def drop_database(self, url):
        """Drops a database `create_database` made (after every client is gone)."""
        name = urllib.parse.urlsplit(url).path.lstrip("/")
        assert name.startswith("gatehouse_"), name
        psql(self.admin_url, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

    def stop(self):
        """`pg_ctl stop -m fast` (through the script); own clusters only."""
        assert self.own, "only a cluster of our own may be stopped"
        self._script("stop")

    def start(self):
        """Starts the stopped cluster again, on the same port."""
        assert self.own, "only a cluster of our own may be started"
        url = self._script("start")
        assert url == self.admin_url, f"the cluster came back on another address: {url} (was {self.admin_url})"

    def close(self):
        if self.directory is None:
            return
        try:
            self._script("stop")
        finally:
            shutil.rmtree(self.directory, ignore_errors=True)
            self.directory = None


def scim_token():
    token = "store-test-" + os.urandom(16).hex()
    return token, hashlib.sha256(token.encode()).hexdigest()


class Gatehouse:
    """`gatehouse serve` on a config written into `work`; `start` waits for /readyz (and fails at
    once, with the log, if the process exits first); `kill` is SIGKILL; `stop` is SIGTERM."""

    def __init__(self, work, store, tenants_yaml, extra_yaml="", upstream_port=None, name="gatehouse"):
        self.work = pathlib.Path(work)
        self.port, self.admin_port = free_port(), free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.admin = f"http://127.0.0.1:{self.admin_port}"
        self.config = self.work / f"{name}.yaml"
        self.log_path = self.work / f"{name}.log"
        self.config.write_text(
            f"listen: 127.0.0.1:{self.port}\nadmin_listen: 127.0.0.1:{self.admin_port}\npublic_url: {self.base}\n"
            f"upstream: http://127.0.0.1:{upstream_port or free_port()}\nstore: {store}\n"
            f"log:\n  level: warning\n  access_log: false\n{extra_yaml}tenants:\n{tenants_yaml}"
        )
        self.process = None

    def start(self, timeout=60):
        assert self.process is None or self.process.poll() is not None
        log = open(self.log_path, "ab")
        self.process = subprocess.Popen([str(BIN / "gatehouse"), "serve", "--config", str(self.config)],
                                        stdout=log, stderr=subprocess.STDOUT, env=CHILD_ENV)
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gatehouse exited with {self.process.returncode} before it was ready:\n{self.log_tail()}")
            try:
                if request("GET", self.admin + "/readyz", timeout=2).status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.05)  # polling the readiness URL, not waiting on a guess
        raise RuntimeError(f"gatehouse was not ready within {timeout} s:\n{self.log_tail()}")

    def kill(self):
        """SIGKILL; then the private socket folder the killed process could not remove is removed."""
        leftovers = self._socket_folders()
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)
        for folder in leftovers:
            shutil.rmtree(folder, ignore_errors=True)

    def _socket_folders(self):
        """The folders of the Unix sockets this process listens on (its private application
        socket, `/tmp/gatehouse-XXXXXX/app.sock`), found through /proc."""
        try:
            inodes = set()
            for fd in os.listdir(f"/proc/{self.process.pid}/fd"):
                target = os.readlink(f"/proc/{self.process.pid}/fd/{fd}")
                if target.startswith("socket:["):
                    inodes.add(target[8:-1])
            folders = set()
            with open("/proc/net/unix") as table:
                for line in table.read().splitlines()[1:]:
                    fields = line.split()
                    if len(fields) >= 8 and fields[6] in inodes and fields[7].endswith("/app.sock"):
                        folder = os.path.dirname(fields[7])
                        if os.path.basename(folder).startswith("gatehouse-"):
                            folders.add(folder)
            return folders
        except OSError:
            return set()

    def stop(self):
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=30)

    def log_tail(self, lines=40):
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"


def tenant_yaml(tenant, token_hash, metadata_file=None, metadata_url=None, domain=None):
    source = f"idp_metadata_url: {metadata_url}" if metadata_url else f"idp_metadata_file: {metadata_file or METADATA}"
    return (f"  - id: {tenant}\n    email_domains: [{domain or tenant + '.example'}]\n    {source}\n"
            f"    scim_token_sha256: [\"{token_hash}\"]\n")


class Answer:
    def __init__(self, status, headers, body, seconds):
        self.status, self.headers, self.body, self.seconds = status, headers, body, seconds

    def json(self):
        return json.loads(self.body)

    def header(self, name):
        return self.headers.get(name.lower())

    def __repr__(self):
        return f"<{self.status} in {self.seconds:.3f} s: {self.body[:300]!r}>"


def request(method, url, headers=None, body=None, timeout=30, connection=None):
    """One request (no redirects followed); a new connection unless `connection` is given.
    Returns an Answer; set-cookie values are collected under `set-cookie` as a list."""
    parts = urllib.parse.urlsplit(url)
    own = connection is None
    if own:
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    target = parts.path + ("?" + parts.query if parts.query else "")
    if isinstance(body, (dict, list)):
        body = json.dumps(body).encode()
    elif isinstance(body, str):
        body = body.encode()
    started = time.monotonic()
    try:
        connection.request(method, target, body=body, headers=headers or {})
        response = connection.getresponse()
        data = response.read()
        collected = {}
        for name, value in response.getheaders():
            name = name.lower()
            if name == "set-cookie":
                collected.setdefault(name, []).append(value)
            else:
                collected[name] = value
        return Answer(response.status, collected, data.decode(errors="replace"), time.monotonic() - started)
    finally:
        if own:
            connection.close()


def scim_headers(token):
    return {"Authorization": f"Bearer {token}", "Content-Type": "application/scim+json", "Accept": "application/scim+json"}


def scim_user(user_name, role="ANALYST"):
    return {"schemas": [SCIM_USER], "userName": user_name, "name": {"givenName": "Store", "familyName": "Test"},
            "emails": [{"primary": True, "value": user_name, "type": "work"}], "displayName": "Store Test",
            "active": True, "role": role}


def fail(message):
    print("FAILED:", message, file=sys.stderr)
    sys.exit(1)
