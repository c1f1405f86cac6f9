"""docs/operations.md against the product (issue 13).

- Every `gatehouse_…` metric the page names is in the live `/metrics` of a running Gatehouse (with a
  working tenant, a tenant whose metadata cannot load, and a little traffic: a proxied request, a
  sign-in redirect, a SCIM call, an oversized header, a request while the upstream is down), with
  the labels the page gives it.
- Every config key the page names is accepted by `gatehouse check-config` (all of them in one
  config, with real key and certificate files), and a misspelt one is refused.
- Every `gatehouse …` command the page shows parses (`--help` exits 0); an unknown one does not.
- The SQLite backup block, run as written (paths mapped to a temporary folder) while Gatehouse runs
  with a user added by `gatehouse users add`, makes a copy; the restore block puts it in a new
  place; Gatehouse started on it lists the user and publishes the same JWT key. The block that
  takes the store-kept JWT key out gives a key that works as `jwt.previous_key_file`.
- /healthz and /readyz answer as the page says, and SIGTERM ends Gatehouse with exit 0.
BIN names the folder holding `gatehouse` and `demo-upstream` (default .build/debug)."""
import datetime
import hashlib
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tests", "python"))
from local_servers import free_port, wait_for  # noqa: E402

BIN = os.environ.get("BIN", os.path.join(ROOT, ".build", "debug"))
GATEHOUSE = os.path.join(BIN, "gatehouse")
DOC = os.path.join(ROOT, "docs", "operations.md")
failures = []

# Top-level config keys (DESIGN.md / the configuration reference): a backticked word starting with
# one of these in the page is a config key.
TOP_LEVEL = ("listen", "admin_listen", "public_url", "upstream", "store", "store_password_file", "store_password",
             "store_pool_size", "store_timeout", "housekeeping_interval", "sso_prefix", "trusted_proxies",
             "public_paths", "rules", "tenants", "identity_headers", "session", "sp", "jwt", "saml", "proxy",
             "shutdown_timeout", "log")


# Backticked words on the page that look like config keys but are log codes (reasons in the
# "Logs" section). Listed here, explicitly, so any other such word must be a real key.
NOT_KEYS = {"saml.replay", "saml.issue_instant", "saml.identity_control_character", "store.housekeeping"}
SECTIONS = {"tenants", "session", "sp", "jwt", "log", "proxy", "saml", "rules", "identity_headers"}


def check(condition, what):
    print(("ok    " if condition else "FAIL  ") + what)
    if not condition:
        failures.append(what)
    return condition


def get(url, headers=None):
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers or {}), timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def write_key_files(work):
    """SP key and certificate (RSA), two JWT keys (P-256), a session secret: real files for check-config."""
    paths = {}
    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "gatehouse-sp")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(rsa_key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now)
            .not_valid_after(now + datetime.timedelta(days=30)).sign(rsa_key, hashes.SHA256()))
    pkcs8 = (serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    for file, data in (("sp.key", rsa_key.private_bytes(*pkcs8)), ("sp.crt", cert.public_bytes(serialization.Encoding.PEM)),
                       ("jwt.pem", ec.generate_private_key(ec.SECP256R1()).private_bytes(*pkcs8)),
                       ("jwt-previous.pem", ec.generate_private_key(ec.SECP256R1()).private_bytes(*pkcs8)),
                       ("session.key", os.urandom(24).hex().encode())):
        paths[file] = os.path.join(work, file)
        with open(paths[file], "wb") as out:
            out.write(data)
    return paths


def sample_config(keys, files, work):
    """A config that sets every key in `keys` (dotted, `tenants[].x`) to a valid value."""
    values = {
        "listen": "127.0.0.1:0", "admin_listen": "127.0.0.1:0", "public_url": "https://dash.example.com",
        "upstream": "http://127.0.0.1:3000", "store": f"sqlite:{work}/check.db", "store_pool_size": 4,
        "store_timeout": "5s", "housekeeping_interval": "5m", "sso_prefix": "/sso", "trusted_proxies": ["10.0.0.0/8"],
        "public_paths": ["^/static/"], "shutdown_timeout": "25s",
        "session.secret_file": files["session.key"], "session.idle_timeout": "8h", "session.absolute_timeout": "24h",
        "session.cookie_prefix": "gatehouse_",
        "sp.key_file": files["sp.key"], "sp.cert_file": files["sp.crt"], "sp.next_cert_file": files["sp.crt"],
        "sp.next_key_file": files["sp.key"],
        "jwt.key_file": files["jwt.pem"], "jwt.previous_key_file": files["jwt-previous.pem"],
        "jwt.issuer": "https://dash.example.com", "jwt.audience": "https://dash.example.com",
        "log.level": "info", "log.access_log": True,
        "proxy.max_connections": 10000, "proxy.header_read_timeout": "10s",
        "tenants[].scim_token_sha256": ["0" * 64], "tenants[].id": "acme",
        "tenants[].email_domains": ["acme.com"],
        "tenants[].idp_metadata_url": "https://acme.okta.com/app/x/sso/saml/metadata",
    }
    config = {"public_url": values["public_url"], "upstream": values["upstream"], "store": values["store"]}
    tenant = {"id": "acme", "email_domains": ["acme.com"], "idp_metadata_url": values["tenants[].idp_metadata_url"]}
    missing = []
    for key in keys:
        if key in ("session.secret", "store_password"):
            continue  # their *_file twin is set; both at once is a conflict, not a test of the name
        if key not in values:
            missing.append(key)
            continue
        if key.startswith("tenants[]."):
            tenant[key.split(".", 1)[1]] = values[key]
            continue
        section, _, leaf = key.partition(".")
        if leaf:
            config.setdefault(section, {})[leaf] = values[key]
        else:
            config[section] = values[key]
    config["tenants"] = [tenant]
    return config, missing


def run_block(block, mapping):
    """Runs a shell block from the page with its paths mapped to the test's folders."""
    script = block
    for documented, real in mapping.items():
        script = script.replace(documented, real)
    done = subprocess.run(["bash", "-euo", "pipefail", "-c", script], capture_output=True, text=True, timeout=60)
    return done.returncode, done.stdout, done.stderr, script


def doc_block(doc, marker):
    found = re.search(r"<!-- test: %s -->\s*```sh\n(.*?)```" % re.escape(marker), doc, re.S)
    if not check(found is not None, f"the page has the {marker} block"):
        return ""
    return found.group(1)


def command_problem(words, options):
    """None when `gatehouse WORDS --help` is a leaf command taking the remaining words as its
    arguments and knowing every option; else what is wrong. (`--help` alone is no proof: for an
    unknown subcommand it prints the parent's help and exits 0.)"""
    done = subprocess.run([GATEHOUSE, *words, "--help"], capture_output=True, text=True)
    if done.returncode != 0:
        return f"--help exits {done.returncode}"
    usage = re.search(r"USAGE: gatehouse(.*)", done.stdout)
    if not usage:
        return "no USAGE line"
    path, placeholders = [], []
    for token in usage.group(1).split():
        if token.startswith(("[", "<", "-")):
            placeholders.append(token)
        elif not placeholders:
            path.append(token)
    if "<subcommand>" in placeholders:
        return f"not a command (usage: gatehouse{usage.group(1)})"
    if words[: len(path)] != path:
        return f"usage says gatehouse {' '.join(path)}"
    # Positional arguments: the <…> left once optional groups and `--option <value>` pairs are gone.
    bare = re.sub(r"--[a-z-]+ <[^>]*>", "", re.sub(r"\[[^\]]*\]", "", usage.group(1)))
    positional = re.findall(r"<[^>]*>", bare)
    extra = words[len(path):]
    if len(extra) > len(positional):
        return f"takes no argument {extra[len(positional):]}"
    for option in options:
        if not re.search(r"(?<![a-z-])%s\b" % re.escape(option), done.stdout):
            return f"no option {option}"
    return None


def metric_series(exposition):
    """name -> set of frozensets of label names, from the Prometheus text."""
    series = {}
    for line in exposition.splitlines():
        if not line or line.startswith("#"):
            continue
        found = re.match(r"([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([^}]*)\})?\s", line)
        if found:
            labels = frozenset(re.findall(r'([a-zA-Z_]+)="', found.group(3) or ""))
            series.setdefault(found.group(1), set()).add(labels)
    return series


class Gatehouse:
    def __init__(self, config_path, log_path, admin_port):
        self.admin = f"http://127.0.0.1:{admin_port}"
        self.log = open(log_path, "w")
        self.process = subprocess.Popen([GATEHOUSE, "serve", "--config", config_path], stdout=self.log, stderr=subprocess.STDOUT)
        wait_for(f"{self.admin}/readyz")

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
        try:
            return self.process.wait(timeout=40)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return None


def serve_config(path, port, admin_port, upstream_port, store, tenants, extra=""):
    with open(path, "w") as out:
        out.write(f"""listen: 127.0.0.1:{port}
admin_listen: 127.0.0.1:{admin_port}
public_url: http://127.0.0.1:{port}
upstream: http://127.0.0.1:{upstream_port}
store: sqlite:{store}
public_paths: ["^/public/"]
shutdown_timeout: 5s
{extra}tenants:
{tenants}""")


def main():
    with open(DOC) as handle:
        doc = handle.read()
    work = tempfile.mkdtemp(prefix="operations-doc-")
    processes = []
    gatehouses = []
    try:
        files = write_key_files(work)

        # --- config keys
        tokens = set(re.findall(r"`([a-z_]+(?:\[\])?(?:\.[a-z0-9_*]+)*)(?::[^`]*)?`", doc))
        keys = sorted(t for t in tokens if t.split(".")[0].replace("[]", "") in TOP_LEVEL and "*" not in t
                      and not t.endswith("."))
        keys = [k for k in keys if k not in SECTIONS and k not in NOT_KEYS]
        print("config keys on the page:", ", ".join(keys))
        config, missing = sample_config(keys, files, work)
        if missing:
            # No sample value here for these: set them to "x"; check-config may find the value
            # wrong, but must know the key (it says "PATH: unknown key" for a name it lacks).
            print("keys without a sample value in this test (checked as names only):", missing)
            probe, _ = sample_config([], files, work)
            for key in missing:
                if key.startswith("tenants[]."):
                    probe["tenants"][0][key.split(".", 1)[1]] = "x"
                else:
                    section, _, leaf = key.partition(".")
                    if leaf:
                        probe.setdefault(section, {})[leaf] = "x"
                    else:
                        probe[section] = "x"
            probe_path = os.path.join(work, "probe.yaml")
            with open(probe_path, "w") as out:
                json.dump(probe, out)
            done = subprocess.run([GATEHOUSE, "check-config", "--config", probe_path], capture_output=True, text=True)
            unknown = re.findall(r"^\s*- (\S+): unknown key", done.stdout + done.stderr, re.M)
            check(not unknown, f"check-config knows every key the page names (unknown: {unknown})")
        check_path = os.path.join(work, "check.yaml")
        with open(check_path, "w") as out:
            json.dump(config, out)  # JSON is YAML
        done = subprocess.run([GATEHOUSE, "check-config", "--config", check_path], capture_output=True, text=True)
        check(done.returncode == 0, f"check-config accepts every key the page names: {(done.stdout + done.stderr).strip()[:400]}")
        config["sp"]["next_certfile"] = files["sp.crt"]
        with open(check_path, "w") as out:
            json.dump(config, out)
        done = subprocess.run([GATEHOUSE, "check-config", "--config", check_path], capture_output=True, text=True)
        check(done.returncode == 1 and "next_certfile" in done.stdout + done.stderr, "check-config refuses a misspelt key")

        # --- commands
        commands = set()
        for block in re.findall(r"```sh\n(.*?)```", doc, re.S):
            commands.update(line.strip() for line in block.splitlines() if line.strip().startswith("gatehouse "))
        commands.update(re.findall(r"`(gatehouse [^`]+)`", doc))
        seen = set()
        for command in sorted(commands):
            words = []
            for token in command.split()[1:]:
                if not re.fullmatch(r"[a-z][a-z|-]*", token):
                    break
                words.append(token)
            options = re.findall(r"(?<!\S)(--[a-z-]+)", command)
            alternatives = [[]]
            for word in words:  # `store status|migrate` is two commands
                alternatives = [prefix + [choice] for prefix in alternatives for choice in word.split("|")]
            for alternative in alternatives:
                if tuple(alternative) in seen:
                    continue
                seen.add(tuple(alternative))
                problem = command_problem(alternative, options)
                check(problem is None, f"`gatehouse {' '.join(alternative)}` {' '.join(options)} parses (from `{command}`){': ' + problem if problem else ''}")
        check(len(seen) >= 5, f"the page shows the commands it talks about ({len(seen)})")
        # --help of an unknown subcommand prints its parent's help and exits 0: the USAGE check is what fails.
        for wrong in (["store", "frobnicate"], ["users", "lst"], ["tenant", "token", "acme", "extra"]):
            check(command_problem(wrong, []) is not None, f"`gatehouse {' '.join(wrong)}` is refused (the check above can fail)")
        check(command_problem(["users", "add"], ["--nickname"]) is not None, "an option the command lacks is refused")

        # --- a running Gatehouse: probes and metrics
        upstream_port, idp_port, port, admin_port = free_port(), free_port(), free_port(), free_port()
        log = open(os.path.join(work, "upstream.log"), "w")
        upstream = subprocess.Popen([os.path.join(BIN, "demo-upstream"), str(upstream_port)], stdout=log, stderr=subprocess.STDOUT)
        processes.append(upstream)
        log = open(os.path.join(work, "dev-idp.log"), "w")
        processes.append(subprocess.Popen([GATEHOUSE, "dev-idp", "--listen", f"127.0.0.1:{idp_port}", "--gatehouse",
                                           f"http://127.0.0.1:{port}", "--tenant", "dev"], stdout=log, stderr=subprocess.STDOUT))
        wait_for(f"http://127.0.0.1:{idp_port}/metadata")
        wait_for(f"http://127.0.0.1:{upstream_port}/bench")
        dead = free_port()  # nothing listens here: this tenant's metadata cannot load
        live_dir = os.path.join(work, "live")
        os.makedirs(live_dir)
        live_db = os.path.join(live_dir, "gatehouse.db")
        config_path = os.path.join(work, "gatehouse.yaml")
        scim_token = "operations-doc-test-token"
        serve_config(config_path, port, admin_port, upstream_port, live_db, f"""  - id: dev
    email_domains: [dev.example]
    idp_metadata_url: http://127.0.0.1:{idp_port}/metadata
    scim_token_sha256: ["{hashlib.sha256(scim_token.encode()).hexdigest()}"]
  - id: broken
    email_domains: [broken.example]
    idp_metadata_url: http://127.0.0.1:{dead}/metadata
""", extra="saml:\n  metadata_fetch_timeout: 1s\n")  # the failed fetch is counted after this
        first = Gatehouse(config_path, os.path.join(work, "gatehouse.log"), admin_port)
        gatehouses.append(first)
        status, body = get(f"{first.admin}/healthz")
        check(status == 200 and body.strip() == "ok", f"/healthz answers 200 ok ({status} {body.strip()})")
        status, body = get(f"{first.admin}/readyz")
        check(status == 200 and body.strip() == "ready", f"/readyz answers 200 ready ({status} {body.strip()})")

        front = f"http://127.0.0.1:{port}"
        get(f"{front}/public/x")  # proxied
        get(f"{front}/private")  # the gate: a sign-in redirect (urllib follows it to /sso/login)
        get(f"{front}/scim/v2/dev/Users", headers={"Authorization": f"Bearer {scim_token}"})
        with socket.create_connection(("127.0.0.1", port)) as connection:  # over max_uri_bytes: a front limit
            connection.sendall(b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\nHost: x\r\n\r\n")
            connection.recv(1024)
        upstream.terminate()
        upstream.wait()
        status, _ = get(f"{front}/public/down")
        check(status == 502, f"a request while the upstream is down gets 502 ({status})")
        # The dead tenant's fetch fails after its timeout; poll /metrics for it (with a deadline).
        deadline = time.monotonic() + 30
        while True:
            status, exposition = get(f"{first.admin}/metrics")
            if "gatehouse_idp_metadata_load_failures_total{" in exposition or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        series = metric_series(exposition)
        documented = re.findall(r"(gatehouse_[a-z_]+)(\{([a-z_,]*)\})?", doc)
        names = sorted({name for name, _, _ in documented})
        check(len(names) >= 9, f"the page names the metrics ({len(names)})")
        for name, braces, labels in documented:
            # A histogram is exposed as NAME_bucket/_sum/_count; PromQL on the page may name those.
            base = name if name in series else re.sub(r"_(bucket|sum|count)$", "", name)
            live = series.get(name) or series.get(base + "_bucket")
            check(bool(live), f"{name} is in the live /metrics")
            if live and labels:  # `name{a,b}`: the page's label names (PromQL selectors have `=`)
                want = set(labels.split(","))
                got = {label for labelset in live for label in labelset} - {"le"}
                check(got == want, f"{name} has the labels {sorted(want)} (live: {sorted(got)})")
        check(series.get("gatehouse_http_requests_total") is not None and
              re.search(r'gatehouse_http_requests_total\{[^}]*route="scim"', exposition) is not None,
              "the SCIM call was counted under route=\"scim\"")

        # --- backup while running, with a user in the store
        done = subprocess.run([GATEHOUSE, "users", "add", "--config", config_path, "--tenant", "dev",
                               "--email", "backup.check@dev.example", "--role", "ANALYST"], capture_output=True, text=True)
        check(done.returncode == 0, f"gatehouse users add works while Gatehouse runs: {done.stderr.strip()[:200]}")
        status, jwks_before = get(f"{front}/sso/jwks.json")  # the store-kept JWT key is made on first use
        kid_before = json.loads(jwks_before)["keys"][0]["kid"]
        backups = os.path.join(work, "backups")
        os.makedirs(backups)
        live_map = {"/var/lib/gatehouse/": live_dir + "/", "/var/backups/gatehouse/": backups + "/",
                    "/etc/gatehouse/": work + "/"}
        rc, out, err, script = run_block(doc_block(doc, "sqlite-backup"), live_map)
        check(rc == 0 and out.strip() == "ok", f"the backup block runs while Gatehouse runs (rc {rc}: {out.strip()} {err.strip()[:200]})")
        rc, out, err, script = run_block(doc_block(doc, "jwt-key-from-sqlite"), live_map)
        previous_pem = os.path.join(work, "jwt-previous.pem")
        check(rc == 0 and "PRIVATE KEY" in open(previous_pem).read(), f"the JWT-key block writes the stored key as PEM (rc {rc} {err.strip()[:200]})")
        check(first.stop() == 0, "SIGTERM ends Gatehouse with exit 0")

        # --- restore to a new place and start on it
        restored_dir = os.path.join(work, "restored")
        os.makedirs(restored_dir)
        restore_map = dict(live_map, **{"/var/lib/gatehouse/": restored_dir + "/"})
        rc, out, err, script = run_block(doc_block(doc, "sqlite-restore"), restore_map)
        check(rc == 0 and os.path.exists(os.path.join(restored_dir, "gatehouse.db")), f"the restore block runs (rc {rc} {err.strip()[:200]})")
        port2, admin2 = free_port(), free_port()
        restored_config = os.path.join(work, "restored.yaml")
        serve_config(restored_config, port2, admin2, upstream_port, os.path.join(restored_dir, "gatehouse.db"), f"""  - id: dev
    email_domains: [dev.example]
    idp_metadata_url: http://127.0.0.1:{idp_port}/metadata
""")
        second = Gatehouse(restored_config, os.path.join(work, "restored.log"), admin2)
        gatehouses.append(second)
        done = subprocess.run([GATEHOUSE, "users", "list", "--config", restored_config, "--tenant", "dev"], capture_output=True, text=True)
        check(done.returncode == 0 and "backup.check@dev.example" in done.stdout, f"the restored store has the user: {done.stdout.strip()[:300]}")
        status, jwks_after = get(f"http://127.0.0.1:{port2}/sso/jwks.json")
        check([k["kid"] for k in json.loads(jwks_after)["keys"]] == [kid_before], "the restored store has the same JWT key")
        check(second.stop() == 0, "the restored Gatehouse stops with exit 0")

        # --- the rotation away from the store-kept JWT key
        port3, admin3 = free_port(), free_port()
        rotated_config = os.path.join(work, "rotated.yaml")
        serve_config(rotated_config, port3, admin3, upstream_port, os.path.join(restored_dir, "gatehouse.db"), f"""  - id: dev
    email_domains: [dev.example]
    idp_metadata_url: http://127.0.0.1:{idp_port}/metadata
""", extra=f"jwt:\n  key_file: {files['jwt.pem']}\n  previous_key_file: {previous_pem}\n")
        done = subprocess.run([GATEHOUSE, "check-config", "--config", rotated_config], capture_output=True, text=True)
        check(done.returncode == 0, f"check-config accepts the extracted key as jwt.previous_key_file: {done.stdout.strip()[:200]}")
        third = Gatehouse(rotated_config, os.path.join(work, "rotated.log"), admin3)
        gatehouses.append(third)
        status, jwks_rotated = get(f"http://127.0.0.1:{port3}/sso/jwks.json")
        kids = [k["kid"] for k in json.loads(jwks_rotated)["keys"]]
        check(len(kids) == 2 and kids[1] == kid_before and kids[0] != kid_before,
              f"after the rotation the JWKS has the new key and the old store-kept one ({kids})")
        third.stop()
    finally:
        for gatehouse in gatehouses:
            gatehouse.stop()
        for process in processes:
            if process.poll() is None:
                process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
        if failures:
            for name in ("gatehouse", "restored", "rotated"):
                path = os.path.join(work, name + ".log")
                if os.path.exists(path):
                    print(f"--- {name}.log (tail)")
                    print("".join(open(path).readlines()[-12:]))
        shutil.rmtree(work, ignore_errors=True)
    if failures:
        print(f"{len(failures)} check(s) failed")
        return 1
    print("operations doc: all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
