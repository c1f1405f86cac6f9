#!/usr/bin/env python3
"""The compose examples (examples/compose), checked without a Docker engine (none runs here).

For docker-compose.yml (dev stack) and docker-compose.replicas.yml (two replicas on PostgreSQL
behind nginx; a file of its own, not an override, so there is no combination to validate):
- Debian's `docker-compose -f FILE config -q` accepts it; the rest reads `config`'s resolved output;
- every Gatehouse config a `serve` service mounts passes `$BIN/gatehouse check-config`, with the
  container paths it names (mounts, secrets, volumes) rewritten to the host files or a temp dir;
  every file it names is mounted into the container, the config itself read-only;
- no secret in a Gatehouse config or in the compose environment: no store_password or
  session.secret, no password in the store URL, the secret file's value in no other file;
- every service another depends on has a healthcheck and is waited for with service_healthy;
  the healthchecks of Gatehouse and the dev IdP, run against live processes, pass, and fail on a
  closed port; the Gatehouse healthcheck's port is the config's admin port;
- the dev IdP's flags exist (`gatehouse dev-idp --help`) and agree with the Gatehouse config
  (public URL, tenant, metadata URL) and the published ports;
- replicas: at least two `serve` services on the same database (URL, user, password secret, as
  PostgreSQL's service sets them), nginx's upstream lists each replica at its listen port, the
  nginx config passes `nginx -t`, and trusted_proxies covers the load balancer's fixed address.

Run: BIN=/path/to/binaries .venv/bin/python tests/deployment/compose_test.py
"""
import ipaddress
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlparse

import yaml

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "python"))
from local_servers import free_port, wait_for, stop  # noqa: E402

BIN = Path(os.environ.get("BIN", ROOT / ".build" / "debug"))
COMPOSE_DIR = Path(os.environ.get("COMPOSE_DIR", ROOT / "examples" / "compose"))
FILES = ["docker-compose.yml", "docker-compose.replicas.yml"]

failures = []
scratch = Path(tempfile.mkdtemp(prefix="gatehouse-compose-test."))


def check(condition, what, detail=""):
    print(("ok   " if condition else "FAIL ") + what + (f" ({detail})" if detail and not condition else ""))
    if not condition:
        failures.append(what + (f": {detail}" if detail else ""))
    return condition


def compose(file):
    quiet = subprocess.run(["docker-compose", "-f", file, "config", "-q"], cwd=COMPOSE_DIR, capture_output=True, text=True)
    ok = check(quiet.returncode == 0 and not quiet.stderr.strip(), f"docker-compose -f {file} config -q", quiet.stderr.strip())
    resolved = subprocess.run(["docker-compose", "-f", file, "config"], cwd=COMPOSE_DIR, capture_output=True, text=True)
    return yaml.safe_load(resolved.stdout) if ok and resolved.returncode == 0 else None


def is_gatehouse(service):
    build = service.get("build")
    context = build.get("context") if isinstance(build, dict) else build
    return context is not None and Path(context).resolve() == ROOT


def mounts(document, service):
    """Container path -> ('bind', host path, read_only) | ('volume', name, read_only) | ('secret', host file, True)."""
    found = {}
    for volume in service.get("volumes", []):
        if isinstance(volume, dict):
            source, target, read_only, kind = volume.get("source"), volume["target"], volume.get("read_only", False), volume.get("type")
        else:
            parts = volume.split(":")
            source, target = parts[0], parts[1]
            read_only = len(parts) > 2 and "ro" in parts[2].split(",")
            kind = "bind" if source.startswith(("/", ".")) else "volume"
        found[target] = (kind, source, read_only)
    for secret in service.get("secrets", []):
        name = secret if isinstance(secret, str) else secret["source"]
        target = (secret.get("target") if isinstance(secret, dict) else None) or name
        target = target if target.startswith("/") else f"/run/secrets/{target}"
        found[target] = ("secret", (document.get("secrets", {}).get(name) or {}).get("file"), True)
    return found


def published(service):
    """(host port, container port) pairs."""
    pairs = []
    for port in service.get("ports", []):
        if isinstance(port, dict):
            pairs.append((int(port["published"]), int(port["target"])))
        else:
            parts = str(port).split(":")
            pairs.append((int(parts[-2]), int(parts[-1].split("/")[0])))
    return pairs


def command_of(service):
    command = service.get("command") or ["serve", "--config", "/etc/gatehouse/gatehouse.yaml"]
    return command if isinstance(command, list) else command.split()


def flag(command, name, default=None):
    return command[command.index(name) + 1] if name in command else default


def port_of(address):
    return int(address.rsplit(":", 1)[1])


def map_path(value, table, volumes_dir):
    """A container path named in a config, as the host path check-config can read."""
    for target in sorted(table, key=len, reverse=True):
        if value == target or value.startswith(target.rstrip("/") + "/"):
            kind, source, _ = table[target]
            base = Path(source) if kind in ("bind", "secret") else volumes_dir / source
            if kind == "volume":
                base.mkdir(parents=True, exist_ok=True)
            return str(base) + value[len(target) :], kind
    return None, None


def gatehouse_config(document, file, name, service):
    """Loads, checks and returns the Gatehouse config a `serve` service runs with."""
    table = mounts(document, service)
    config_path = flag(command_of(service), "--config", "/etc/gatehouse/gatehouse.yaml")
    mounted = table.get(config_path)
    if not check(mounted is not None and mounted[0] == "bind", f"{file} {name}: {config_path} is a bind mount"):
        return None
    check(mounted[2], f"{file} {name}: the config is mounted read-only")
    config = yaml.safe_load(Path(mounted[1]).read_text())
    volumes_dir = scratch / file / name
    rewritten = dict(config)

    # Every file or directory the config names must exist in the container: mounted.
    def rewrite(key, value, writable=False):
        host, kind = map_path(value, table, volumes_dir)
        check(host is not None, f"{file} {name}: {key} {value} is mounted into the container")
        if writable and host is not None:
            check(kind == "volume" or not table[[t for t in table if value.startswith(t)][0]][2], f"{file} {name}: {key} is on a writable mount")
        return host or value

    store = config.get("store", "")
    if store.startswith("sqlite:"):
        rewritten["store"] = "sqlite:" + rewrite("store", store[len("sqlite:") :], writable=True)
    for key in [k for k in config if k.endswith("_file")]:
        rewritten[key] = rewrite(key, config[key])
    for section in ("session", "sp", "jwt"):
        for key, value in (config.get(section) or {}).items():
            if key.endswith("_file"):
                rewritten[section] = dict(rewritten[section], **{key: rewrite(f"{section}.{key}", value)})
    copy = volumes_dir / "gatehouse.yaml"
    copy.parent.mkdir(parents=True, exist_ok=True)
    copy.write_text(yaml.safe_dump(rewritten))
    result = subprocess.run([str(BIN / "gatehouse"), "check-config", "--config", str(copy)], capture_output=True, text=True)
    check(result.returncode == 0, f"{file} {name}: gatehouse check-config accepts {Path(mounted[1]).name}", (result.stdout + result.stderr).strip())

    check("store_password" not in config, f"{file} {name}: no store_password literal in the config")
    check("secret" not in (config.get("session") or {}), f"{file} {name}: no session.secret literal in the config")
    if store.startswith("postgres"):
        check(urlparse(store).password is None, f"{file} {name}: no password in the store URL")
    return config


def healthcheck_command(service):
    test = (service.get("healthcheck") or {}).get("test")
    if isinstance(test, list) and test and test[0] in ("CMD", "CMD-SHELL"):
        return ["bash", "-c", test[1]] if test[0] == "CMD-SHELL" else [word.replace("$$", "$") for word in test[1:]]
    return None


def run_probe(command, from_port, to_port):
    argv = [word.replace(f"/{from_port}", f"/{to_port}") for word in command]
    return subprocess.run(argv, capture_output=True, timeout=10).returncode


def check_live_healthchecks(file, gatehouse_probe, gatehouse_admin_port, idp_probe, idp_port):
    """The healthcheck commands run against a real gatehouse and a real dev IdP on free ports."""
    work = scratch / file / "live"
    work.mkdir(parents=True, exist_ok=True)
    port, admin, idp, closed = free_port(), free_port(), free_port(), free_port()
    (work / "gatehouse.yaml").write_text(
        f"listen: 127.0.0.1:{port}\nadmin_listen: 127.0.0.1:{admin}\npublic_url: http://127.0.0.1:{port}\n"
        f"upstream: http://127.0.0.1:{closed}\nstore: sqlite:{work}/gatehouse.db\ntenants: []\n"
    )
    log = open(work / "processes.log", "w")
    processes = []
    try:
        processes.append(
            subprocess.Popen([str(BIN / "gatehouse"), "serve", "--config", str(work / "gatehouse.yaml")], stdout=log, stderr=subprocess.STDOUT)
        )
        processes.append(
            subprocess.Popen([str(BIN / "gatehouse"), "dev-idp", "--listen", f"127.0.0.1:{idp}"], stdout=log, stderr=subprocess.STDOUT)
        )
        wait_for(f"http://127.0.0.1:{admin}/healthz")
        wait_for(f"http://127.0.0.1:{idp}/metadata")
        if gatehouse_probe:
            check(run_probe(gatehouse_probe, gatehouse_admin_port, admin) == 0, f"{file}: Gatehouse healthcheck passes on a live gatehouse")
            check(run_probe(gatehouse_probe, gatehouse_admin_port, closed) != 0, f"{file}: Gatehouse healthcheck fails on a closed port")
        if idp_probe:
            check(run_probe(idp_probe, idp_port, idp) == 0, f"{file}: dev IdP healthcheck passes on a live dev IdP")
            check(run_probe(idp_probe, idp_port, closed) != 0, f"{file}: dev IdP healthcheck fails on a closed port")
    finally:
        for process in processes:
            stop(process)
        log.close()


def check_dev_idp(file, name, service, configs, services, help_text):
    command = command_of(service)
    for word in command[1:]:
        if word.startswith("--"):
            check(word in help_text, f"{file} {name}: `gatehouse dev-idp {word}` exists")
    listen = flag(command, "--listen", "127.0.0.1:8081")
    check(listen.startswith("0.0.0.0:"), f"{file} {name}: --listen {listen} reaches beyond the container's loopback")
    public = urlparse(flag(command, "--public-url", f"http://{listen}"))
    check((public.port, port_of(listen)) in published(service), f"{file} {name}: --public-url port {public.port} is published to --listen", str(published(service)))
    gatehouse_url = flag(command, "--gatehouse", "http://127.0.0.1:8080")
    tenant = flag(command, "--tenant", "dev")
    for config_name, config in configs.items():
        check(config["public_url"] == gatehouse_url, f"{file} {name}: --gatehouse {gatehouse_url} is {config_name}'s public_url", config["public_url"])
        tenants = {t["id"]: t for t in config.get("tenants", [])}
        if check(tenant in tenants, f"{file} {name}: --tenant {tenant} is a tenant of {config_name}"):
            metadata = urlparse(tenants[tenant].get("idp_metadata_url", ""))
            check(
                metadata.hostname == name and metadata.port == port_of(listen),
                f"{file} {config_name}: tenant {tenant} fetches metadata from {name}:{port_of(listen)}",
                metadata.geturl(),
            )
    entry_ports = {host for other in services.values() for host, _ in published(other)}
    check(urlparse(gatehouse_url).port in entry_ports, f"{file}: the public URL's port {urlparse(gatehouse_url).port} is published")


def check_depends_on(file, services):
    for name, service in services.items():
        depends = service.get("depends_on") or {}
        if isinstance(depends, list):
            depends = {dependency: {"condition": "service_started"} for dependency in depends}
        for dependency, how in depends.items():
            healthcheck = services.get(dependency, {}).get("healthcheck") or {}
            check(bool(healthcheck.get("test")) and not healthcheck.get("disable"), f"{file}: {dependency} (which {name} depends on) has a healthcheck")
            check(how.get("condition") == "service_healthy", f"{file}: {name} waits for {dependency} to be healthy", str(how))


def check_no_secret_values(document, file):
    for secret in (document.get("secrets") or {}).values():
        path = Path(secret.get("file", ""))
        if not path.is_file():
            check(False, f"{file}: secret file {path} exists")
            continue
        value = path.read_text().strip()
        for other in COMPOSE_DIR.rglob("*"):
            if other.is_file() and other != path:
                check(value not in other.read_text(errors="replace"), f"{file}: the secret's value is not in {other.relative_to(COMPOSE_DIR)}")
    for name, service in (document.get("services") or {}).items():
        environment = service.get("environment") or {}
        for key in environment:
            check(not re.search(r"PASSWORD|SECRET|TOKEN", key) or key.endswith("_FILE"), f"{file} {name}: {key} is not a secret literal in the environment")


def check_replicas(document, file, services, configs):
    replicas = sorted(configs)
    check(len(replicas) >= 2, f"{file}: at least two Gatehouse replicas", str(replicas))
    postgres = {name: s for name, s in services.items() if str(s.get("image", "")).startswith("postgres:")}
    if not check(len(postgres) == 1, f"{file}: one PostgreSQL service", str(list(postgres))):
        return
    (pg_name, pg), = postgres.items()
    check(str(pg.get("image")).split(":")[1].startswith("15"), f"{file}: PostgreSQL 15", pg.get("image"))
    environment = pg.get("environment") or {}
    pg_secret = mounts(document, pg).get(environment.get("POSTGRES_PASSWORD_FILE", ""), (None, None, None))[1]
    for name in replicas:
        url = urlparse(configs[name].get("store", ""))
        check(url.scheme == "postgres" and url.hostname == pg_name, f"{file} {name}: store is PostgreSQL service {pg_name}", url.geturl())
        check(url.path.lstrip("/") == environment.get("POSTGRES_DB"), f"{file} {name}: database {url.path.lstrip('/')} is the one PostgreSQL creates")
        check(url.username == environment.get("POSTGRES_USER"), f"{file} {name}: user {url.username} is PostgreSQL's POSTGRES_USER")
        secret = mounts(document, services[name]).get(configs[name].get("store_password_file", ""), (None, None, None))[1]
        check(secret is not None and secret == pg_secret, f"{file} {name}: store_password_file is PostgreSQL's password secret", f"{secret} vs {pg_secret}")
    stores = {configs[name].get("store") for name in replicas}
    check(len(stores) == 1, f"{file}: every replica uses the same database", str(stores))

    balancers = {name: s for name, s in services.items() if str(s.get("image", "")).startswith("nginx:")}
    if not check(len(balancers) == 1, f"{file}: one nginx load balancer", str(list(balancers))):
        return
    (lb_name, lb), = balancers.items()
    conf_source = next((source for target, (kind, source, _) in mounts(document, lb).items() if target.startswith("/etc/nginx/")), None)
    if not check(conf_source is not None, f"{file} {lb_name}: its nginx config is mounted"):
        return
    conf = Path(conf_source).read_text()
    servers = re.findall(r"^\s*server\s+([\w.-]+):(\d+)\s*;", conf, re.MULTILINE)
    for name in replicas:
        listen = port_of(configs[name]["listen"])
        check((name, str(listen)) in servers, f"{file} {lb_name}: upstream has {name}:{listen}", str(servers))
    check(len(servers) == len(replicas), f"{file} {lb_name}: upstream has only the replicas", str(servers))
    check_nginx_syntax(file, conf, servers)

    address = ((lb.get("networks") or {}).get("default") or {}).get("ipv4_address")
    if check(address is not None, f"{file} {lb_name}: has a fixed address for trusted_proxies"):
        subnets = [c["subnet"] for c in ((document.get("networks") or {}).get("default") or {}).get("ipam", {}).get("config", [])]
        check(any(ipaddress.ip_address(address) in ipaddress.ip_network(s) for s in subnets), f"{file}: {address} is in the network's subnet", str(subnets))
        for name in replicas:
            trusted = [ipaddress.ip_network(cidr, strict=False) for cidr in configs[name].get("trusted_proxies", [])]
            check(any(ipaddress.ip_address(address) in net for net in trusted), f"{file} {name}: trusted_proxies covers the load balancer {address}", str(trusted))


def check_nginx_syntax(file, conf, servers):
    """`nginx -t` on the load balancer's config, its upstream names pointed at 127.0.0.1."""
    work = scratch / file / "nginx"
    work.mkdir(parents=True, exist_ok=True)
    local = conf
    for host, port in servers:
        local = local.replace(f"{host}:{port}", f"127.0.0.1:{port}")
    local = re.sub(r"listen\s+80\s*;", f"listen 127.0.0.1:{free_port()};", local)
    (work / "lb.conf").write_text(local)
    (work / "nginx.conf").write_text(
        f"pid {work}/nginx.pid;\nerror_log {work}/error.log;\nevents {{}}\n"
        f"http {{\n  access_log off;\n  client_body_temp_path {work}/body;\n  proxy_temp_path {work}/proxy;\n"
        f"  fastcgi_temp_path {work}/fastcgi;\n  uwsgi_temp_path {work}/uwsgi;\n  scgi_temp_path {work}/scgi;\n"
        f"  include {work}/lb.conf;\n}}\n"
    )
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    result = subprocess.run([nginx, "-t", "-p", str(work), "-c", str(work / "nginx.conf")], capture_output=True, text=True)
    check(result.returncode == 0, f"{file}: nginx -t accepts the load balancer's config", result.stderr.strip())


def main():
    print(f"compose files in {COMPOSE_DIR}, binaries from {BIN}")
    help_text = subprocess.run([str(BIN / "gatehouse"), "dev-idp", "--help"], capture_output=True, text=True).stdout
    try:
        for file in FILES:
            document = compose(file)
            if document is None:
                continue
            services = document.get("services") or {}
            configs, gatehouse_probe, admin_port, idp_probe, idp_port = {}, None, None, None, None
            for name, service in services.items():
                if not is_gatehouse(service):
                    continue
                command = command_of(service)
                if command[0] == "serve":
                    config = gatehouse_config(document, file, name, service)
                    if config is None:
                        continue
                    configs[name] = config
                    admin_port = port_of(config.get("admin_listen", "0.0.0.0:9090"))
                    gatehouse_probe = healthcheck_command(service)
                    check(
                        gatehouse_probe is not None and any(f"/{admin_port}" in word for word in gatehouse_probe),
                        f"{file} {name}: healthcheck asks the admin port {admin_port}",
                    )
                elif command[0] == "dev-idp":
                    idp_port = port_of(flag(command, "--listen", "127.0.0.1:8081"))
                    idp_probe = healthcheck_command(service)
                else:
                    check(False, f"{file} {name}: runs `gatehouse serve` or `gatehouse dev-idp`", " ".join(command))
            check(bool(configs), f"{file}: has a Gatehouse `serve` service")
            for name, service in services.items():
                if is_gatehouse(service) and command_of(service)[0] == "dev-idp":
                    check_dev_idp(file, name, service, configs, services, help_text)
            check_depends_on(file, services)
            check_no_secret_values(document, file)
            if "replicas" in file:
                check_replicas(document, file, services, configs)
            check_live_healthchecks(file, gatehouse_probe, admin_port, idp_probe, idp_port)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    if failures:
        print(f"\n{len(failures)} check(s) failed:", *failures, sep="\n  ")
        sys.exit(1)
    print("\ncompose: every check passed")


if __name__ == "__main__":
    main()
