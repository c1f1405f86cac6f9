"""Two Gatehouse replicas on one store, for tests/replicas/two_replicas_test.py and
bench/postgres-bench.sh: a PostgreSQL cluster (GATEHOUSE_TEST_POSTGRES's, or a throwaway one from
scripts/postgres-cluster.sh), a fresh database per deployment, the demo upstream, `gatehouse dev-idp`
and replicas A and B with the same configuration but their own ports (the same public_url, as
behind a load balancer); SCIM through A; sign-in through the dev IdP with a plain HTTP client."""
import hashlib
import http.client
import json
import os
import pathlib
import random
import socket
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse
import uuid
from html import unescape

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "python"))
from local_servers import wait_for  # noqa: E402

BIN = pathlib.Path(os.environ.get("GATEHOUSE_BIN_DIR", ROOT / ".build" / "debug"))
CLUSTER_SCRIPT = ROOT / "scripts" / "postgres-cluster.sh"
# GATEHOUSE_* variables are configuration overrides to gatehouse (a name it does not know is a
# problem at start): none is passed on, neither ours (GATEHOUSE_BIN_DIR, GATEHOUSE_TEST_POSTGRES)
# nor the other suites' (GATEHOUSE_TEST_STORE, GATEHOUSE_STREAM_TEST_BYTES): both replicas run on
# exactly their configuration files.
CHILD_ENV = {name: value for name, value in os.environ.items() if not name.startswith("GATEHOUSE_")}
TENANT = "acme"
DOMAIN = "acme.test"
PG_BIN = None


def free_port():
    """A port that binds now, below the kernel's ephemeral range: a port the kernel hands out
    (bind to 0) can be taken by any outgoing connection (a replica's pool to PostgreSQL, wrk)
    before the server that was meant to listen there starts."""
    try:
        low = int(pathlib.Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        low = 32768
    for _ in range(200):
        port = random.randrange(10000, max(low, 10001))
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port below the ephemeral range")


# ---------------------------------------------------------------- PostgreSQL


def postgres_bin():
    global PG_BIN
    if PG_BIN is None:
        found = shutil.which("pg_config")
        candidates = []
        if found:
            candidates.append(subprocess.run([found, "--bindir"], capture_output=True, text=True).stdout.strip())
        candidates += sorted((str(p) for p in pathlib.Path("/usr/lib/postgresql").glob("*/bin")), reverse=True)
        PG_BIN = next((c for c in candidates if c and os.access(os.path.join(c, "pg_ctl"), os.X_OK)), None)
        if PG_BIN is None:
            sys.exit("no PostgreSQL server binaries (apt-get install postgresql)")
    return PG_BIN


def as_postgres(arguments, **options):
    if os.geteuid() == 0:
        arguments = ["runuser", "-u", "postgres", "--"] + arguments
    return subprocess.run(arguments, check=True, capture_output=True, text=True, **options)


class Cluster:
    """The admin URL of a PostgreSQL cluster: GATEHOUSE_TEST_POSTGRES's, or a throwaway one."""

    def __init__(self):
        self.url = os.environ.get("GATEHOUSE_TEST_POSTGRES")
        self.directory = None
        self.own_script = False

    def start(self):
        if self.url:
            return self.url
        self.directory = pathlib.Path(tempfile.mkdtemp(prefix="gatehouse-replicas-pg-"))
        if CLUSTER_SCRIPT.exists():
            self.own_script = True
            self.url = subprocess.run([str(CLUSTER_SCRIPT), "start", str(self.directory)], check=True,
                                      capture_output=True, text=True).stdout.strip().splitlines()[-1]
            return self.url
        # A minimal cluster of our own: trust on 127.0.0.1 and the socket in the directory only.
        if os.geteuid() == 0:
            shutil.chown(self.directory, "postgres", "postgres")
        data = self.directory / "data"
        as_postgres([os.path.join(postgres_bin(), "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust",
                     "--locale=C.UTF-8", "-E", "UTF8"])
        port = free_port()
        as_postgres([os.path.join(postgres_bin(), "pg_ctl"), "start", "-D", str(data), "-w", "-t", "60",
                     "-l", str(self.directory / "postgres.log"),
                     "-o", f"-c listen_addresses=127.0.0.1 -p {port} -k {self.directory} -c max_connections=1000"])
        self.url = f"postgres://postgres@127.0.0.1:{port}/postgres?sslmode=disable"
        return self.url

    def stop(self):
        if not self.directory:
            return
        if self.own_script:
            subprocess.run([str(CLUSTER_SCRIPT), "stop", str(self.directory)], capture_output=True)
        else:
            try:
                as_postgres([os.path.join(postgres_bin(), "pg_ctl"), "stop", "-D", str(self.directory / "data"),
                             "-m", "fast", "-w", "-t", "30"])
            except subprocess.CalledProcessError:
                pass
        shutil.rmtree(self.directory, ignore_errors=True)


def database_url(admin_url, name):
    parts = urllib.parse.urlsplit(admin_url)
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, parts.fragment))


def psql(url, sql):
    """One psql call (-X: no ~/.psqlrc); the rows as lists of fields."""
    run = subprocess.run(["psql", url, "-X", "-A", "-t", "-q", "-F", "\t", "-v", "ON_ERROR_STOP=1", "-c", sql],
                         capture_output=True, text=True, timeout=30)
    if run.returncode != 0:
        raise RuntimeError(f"psql failed: {sql}\n{run.stderr}")
    return [line.split("\t") for line in run.stdout.splitlines() if line]


def literal(value):
    return "'" + value.replace("'", "''") + "'"


# ---------------------------------------------------------------- HTTP


class Connection:
    """A keep-alive HTTP/1.1 connection to one listener (reopened when the server closes it)."""

    def __init__(self, port):
        self.port = port
        self.connection = None

    def request(self, method, path, headers=None, body=None):
        if isinstance(body, str):
            body = body.encode()
        for attempt in range(2):
            if self.connection is None:
                self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
            try:
                self.connection.request(method, path, body=body, headers=headers or {})
                response = self.connection.getresponse()
                data = response.read()
                if response.getheader("Connection", "").lower() == "close":
                    self.close()
                return Answer(response.status, response.getheaders(), data)
            except (http.client.HTTPException, ConnectionError):
                self.close()
                if attempt == 1:
                    raise
        raise AssertionError("unreachable")

    def close(self):
        if self.connection is not None:
            self.connection.close()
            self.connection = None


class Answer:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body

    def header(self, name):
        return next((value for key, value in self.headers if key.lower() == name.lower()), None)

    def cookies(self):
        """Set-Cookie name -> value (attributes dropped)."""
        found = {}
        for key, value in self.headers:
            if key.lower() == "set-cookie":
                pair = value.split(";", 1)[0]
                name, _, cookie = pair.partition("=")
                found[name.strip()] = cookie
        return found

    def text(self):
        return self.body.decode(errors="replace")

    def __repr__(self):
        return f"{self.status} {self.text()[:300]!r}"


def form(fields):
    return urllib.parse.urlencode(fields)


def hidden_field(html, name):
    match = re.search(r'name="%s" value="([^"]*)"' % re.escape(name), html)
    return unescape(match.group(1)) if match else None


# ---------------------------------------------------------------- the set-up


class Process:
    def __init__(self, name, arguments, work):
        self.name = name
        self.log_path = work / f"{name}.log"
        self.log = open(self.log_path, "wb")
        self.process = subprocess.Popen(arguments, stdout=self.log, stderr=subprocess.STDOUT, env=CHILD_ENV)

    @property
    def pid(self):
        return self.process.pid

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self.log.close()

    def log_text(self):
        self.log.flush()
        return self.log_path.read_text(errors="replace")


class Replica:
    def __init__(self, name, port, admin_port, config):
        self.name = name
        self.port = port
        self.admin_port = admin_port
        self.config = config
        self.process = None
        self.http = Connection(port)
        self.poller = Connection(port)  # its own connection, so polls never queue behind other calls

    def start(self, work):
        self.process = Process(f"gatehouse-{self.name}", [str(BIN / "gatehouse"), "serve", "--config", str(self.config)], work)

    def wait_until_ready(self, timeout=60):
        """Polls /readyz; gives up at once when the process has exited."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.process.poll() is not None:
                raise RuntimeError(f"replica {self.name} exited ({self.process.process.returncode}) before it was ready; its log:\n"
                                   f"{self.process.log_text()[-3000:]}")
            try:
                wait_for(f"http://127.0.0.1:{self.admin_port}/readyz", timeout=0.5)
                return
            except RuntimeError:
                pass
        raise RuntimeError(f"replica {self.name} was not ready within {timeout} s; its log:\n{self.process.log_text()[-3000:]}")

    def page(self, session, path="/whoami", connection=None):
        """A proxied API call with the session cookie (Accept JSON: no session is a 401, not a 302)."""
        headers = {"Accept": "application/json"}
        if session:
            headers["Cookie"] = f"gatehouse_session={session}"
        return (connection or self.http).request("GET", path, headers)


def upstream_headers(answer):
    """The headers the demo upstream received (it echoes them as JSON)."""
    if answer.status != 200:
        return None
    try:
        document = json.loads(answer.body)
    except ValueError:
        return None
    headers = {}
    for name, value in document.get("headers", []):
        headers.setdefault(name.lower(), value)
    return headers


class Deployment:
    """The demo upstream, the dev IdP and replicas A and B on one store."""

    def __init__(self, work, store_mode, admin_url, log_config="  level: info\n", b_store=None):
        """`b_store`, when given, turns the store setting into B's own (a negative control's proxy)."""
        self.work = work
        self.store_mode = store_mode
        self.admin_url = admin_url
        self.database = None
        self.extra_databases = []
        self.processes = []
        upstream_port, idp_port, balancer_port = free_port(), free_port(), free_port()
        self.upstream_port = upstream_port
        # As if behind a load balancer: both replicas share this public URL (nothing listens there;
        # the test talks to each replica directly, and Gatehouse's links are relative).
        self.public_url = f"http://127.0.0.1:{balancer_port}"
        self.idp = Connection(idp_port)
        self.idp_port = idp_port
        self.token = "replicas-" + os.urandom(16).hex()
        if store_mode == "postgres":
            name = "gatehouse_replicas_" + uuid.uuid4().hex[:12]
            psql(admin_url, f"CREATE DATABASE {name}")
            self.database = name
            self.database_url = database_url(admin_url, name)
            stores = {"a": self.database_url, "b": self.database_url}
        elif store_mode == "postgres-separate":  # a negative control: each replica its own database
            names = ["gatehouse_replicas_" + uuid.uuid4().hex[:12] for _ in range(2)]
            for name in names:
                psql(admin_url, f"CREATE DATABASE {name}")
            self.extra_databases = names
            stores = {"a": database_url(admin_url, names[0]), "b": database_url(admin_url, names[1])}
        elif store_mode == "sqlite-shared":
            stores = {"a": f"sqlite:{work}/shared.db", "b": f"sqlite:{work}/shared.db"}
        else:
            stores = {"a": f"sqlite:{work}/a.db", "b": f"sqlite:{work}/b.db"}
        if b_store:
            stores["b"] = b_store(stores["b"])
        self.replicas = {}
        for name in ("a", "b"):
            port, admin_port = free_port(), free_port()
            config = work / f"gatehouse-{name}.yaml"
            config.write_text(
                f"listen: 127.0.0.1:{port}\nadmin_listen: 127.0.0.1:{admin_port}\npublic_url: {self.public_url}\n"
                f"upstream: http://127.0.0.1:{upstream_port}\nstore: {stores[name]}\nlog:\n{log_config}"
                f"tenants:\n  - id: {TENANT}\n    email_domains: [{DOMAIN}]\n"
                f"    idp_metadata_url: http://127.0.0.1:{idp_port}/metadata\n"
                f"    scim_token_sha256: [\"{hashlib.sha256(self.token.encode()).hexdigest()}\"]\n"
            )
            self.replicas[name] = Replica(name.upper(), port, admin_port, config)
        self.a, self.b = self.replicas["a"], self.replicas["b"]
        self.scim = Connection(self.a.port)

    def start(self):
        self.processes.append(Process("demo-upstream", [str(BIN / "demo-upstream"), str(self.upstream_port), "127.0.0.1"], self.work))
        self.processes.append(Process("dev-idp", [str(BIN / "gatehouse"), "dev-idp", "--listen", f"127.0.0.1:{self.idp_port}",
                                                  "--gatehouse", self.public_url, "--tenant", TENANT], self.work))
        wait_for(f"http://127.0.0.1:{self.idp_port}/metadata")
        wait_for(f"http://127.0.0.1:{self.upstream_port}/bench")
        # Both at once, as pods of one Deployment start: migrations and the generated secrets
        # (cookie MAC key, JWT key) must come out the same for both.
        for replica in (self.a, self.b):
            replica.start(self.work)
            self.processes.append(replica.process)
        for replica in (self.a, self.b):
            replica.wait_until_ready()

    def stop(self):
        for connection in [self.idp, self.scim, self.a.http, self.a.poller, self.b.http, self.b.poller]:
            connection.close()
        for process in reversed(self.processes):
            process.stop()
        for name in ([self.database] if self.database else []) + self.extra_databases:
            try:
                psql(self.admin_url, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            except RuntimeError as error:
                print(f"could not drop {name}: {error}", file=sys.stderr)

    # SCIM, always through A

    def scim_call(self, method, path, body=None):
        headers = {"Authorization": f"Bearer {self.token}", "Accept": "application/scim+json"}
        if body is not None:
            headers["Content-Type"] = "application/scim+json"
            body = json.dumps(body)
        return self.scim.request(method, f"/scim/v2/{TENANT}{path}", headers, body)

    def user_document(self, email, role, active=True):
        return {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": email, "active": active, "role": role,
                "name": {"givenName": "Replica", "familyName": "Test"}, "emails": [{"value": email, "type": "work", "primary": True}]}

    def create_user(self, role="ANALYST"):
        email = f"user-{uuid.uuid4().hex[:10]}@{DOMAIN}"
        answer = self.scim_call("POST", "/Users", self.user_document(email, role))
        if answer.status != 201:
            raise AssertionError(f"SCIM create on A: expected 201, got {answer!r}")
        return email, json.loads(answer.body)["id"]

    def patch_user(self, user_id, operations):
        return self.scim_call("PATCH", f"/Users/{user_id}", {"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                                                             "Operations": operations})

    # Sign-in through the dev IdP

    def start_sign_in(self, replica):
        """The bookmark URL on `replica`: the pending cookie and the IdP's answer (SAMLResponse, RelayState)."""
        started = replica.http.request("GET", f"/sso/saml/{TENANT}/login")
        pending = started.cookies().get("gatehouse_pending")
        location = started.header("Location")
        if started.status != 302 or not pending or not location:
            raise AssertionError(f"GET {replica.name}/sso/saml/{TENANT}/login: expected 302 with a pending cookie, got {started!r}")
        idp_path = urllib.parse.urlsplit(location)
        picker = self.idp.request("GET", idp_path.path + "?" + idp_path.query).text()
        return pending, hidden_field(picker, "in_response_to"), hidden_field(picker, "relay_state")

    def idp_answer(self, email, in_response_to, relay_state):
        answer = self.idp.request("POST", "/sso", {"Content-Type": "application/x-www-form-urlencoded"},
                                  form({"email": email, "role": "ANALYST", "in_response_to": in_response_to, "relay_state": relay_state}))
        response = hidden_field(answer.text(), "SAMLResponse")
        if not response:
            raise AssertionError(f"dev IdP gave no SAMLResponse: {answer!r}")
        return response, hidden_field(answer.text(), "RelayState")

    def post_acs(self, replica, pending, saml_response, relay_state):
        fields = {"SAMLResponse": saml_response}
        if relay_state:
            fields["RelayState"] = relay_state
        return replica.http.request("POST", f"/sso/saml/{TENANT}/acs",
                                    {"Content-Type": "application/x-www-form-urlencoded", "Cookie": f"gatehouse_pending={pending}"},
                                    form(fields))

    def sign_in(self, email, start_on, finish_on):
        """Returns (session cookie value, the ACS answer, the pending cookie, the SAMLResponse)."""
        pending, in_response_to, relay_state = self.start_sign_in(start_on)
        saml_response, relay = self.idp_answer(email, in_response_to, relay_state)
        answer = self.post_acs(finish_on, pending, saml_response, relay)
        return answer.cookies().get("gatehouse_session"), answer, pending, saml_response, relay
