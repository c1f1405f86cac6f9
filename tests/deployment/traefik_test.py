#!/usr/bin/env python3
"""The Traefik ForwardAuth example (examples/traefik-forwardauth), checked without Traefik (it is
not in Debian) and without a Docker engine.

- traefik.yml and dynamic.yml use only keys of Traefik v3's documented schema for the parts they
  use (static: entry points, file provider, log; dynamic: routers, middlewares forwardAuth,
  errors, headers; loadBalancer services), and every reference resolves (entry points, services,
  middlewares; the file provider's file is the mounted dynamic.yml);
- authResponseHeaders is exactly the product's identity header names (docs/configuration.md's
  `identity_headers.*` defaults, or the example config's overrides), the forwardAuth address is
  Gatehouse's `/sso/auth` at its listen port, `/sso/` and `/scim/` go straight to Gatehouse with no
  forwardAuth, the app's router runs the sign-in page outside forwardAuth, the underscore
  spellings of the identity headers are removed;
- trustForwardHeader is only set with no `forwardedHeaders.insecure` on any entry point and with
  Gatehouse's trusted_proxies covering Traefik's fixed address in docker-compose.yml;
- gatehouse.yaml passes `gatehouse check-config`; docker-compose.yml passes `config -q`; the app
  is published on no port;
- a live gatehouse with this config, asked the way ForwardAuth asks (from a trusted address,
  without a session, at the middleware's address), answers a page load with a 302 to
  `/sso/login?return_to=<X-Forwarded-Uri>` and an API call with 401, and `/sso/login` answers
  200 HTML with its CSRF cookie.

Run: BIN=/path/to/binaries .venv/bin/python tests/deployment/traefik_test.py
"""
import ipaddress
import os
import re
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlparse

import yaml

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "python"))
from local_servers import free_port, wait_for, stop  # noqa: E402

BIN = Path(os.environ.get("BIN", ROOT / ".build" / "debug"))
EXAMPLE = Path(os.environ.get("TRAEFIK_EXAMPLE", ROOT / "examples" / "traefik-forwardauth"))
CONFIG_REFERENCE = ROOT / "docs" / "configuration.md"

# Traefik v3's documented keys, for the parts of the schema this example uses.
STATIC_TOP = {
    "global", "serversTransport", "tcpServersTransport", "entryPoints", "providers", "api", "metrics", "ping", "log",
    "accessLog", "tracing", "hostResolver", "certificatesResolvers", "experimental", "core", "spiffe", "ocsp",
}
ENTRY_POINT = {"address", "allowACMEByPass", "reusePort", "asDefault", "forwardedHeaders", "http", "http2", "http3", "udp",
               "transport", "proxyProtocol", "observability"}
FORWARDED_HEADERS = {"insecure", "trustedIPs", "connection"}
FILE_PROVIDER = {"filename", "directory", "watch", "debugLogGeneratedTemplate"}
DYNAMIC_TOP = {"http", "tcp", "udp", "tls"}
HTTP_SECTIONS = {"routers", "middlewares", "services", "serversTransports"}
ROUTER = {"entryPoints", "rule", "ruleSyntax", "priority", "middlewares", "service", "tls", "observability"}
FORWARD_AUTH = {"address", "tls", "trustForwardHeader", "authResponseHeaders", "authResponseHeadersRegex", "authRequestHeaders",
                "addAuthCookiesToResponse", "headerField", "forwardBody", "maxBodySize", "preserveLocationHeader",
                "preserveRequestMethod"}
ERRORS = {"status", "statusRewrites", "service", "query", "errorRequestHeaders"}
HEADERS = {"customRequestHeaders", "customResponseHeaders", "accessControlAllowCredentials", "accessControlAllowHeaders",
           "accessControlAllowMethods", "accessControlAllowOriginList", "accessControlAllowOriginListRegex",
           "accessControlExposeHeaders", "accessControlMaxAge", "addVaryHeader", "allowedHosts", "hostsProxyHeaders",
           "sslProxyHeaders", "stsSeconds", "stsIncludeSubdomains", "stsPreload", "forceSTSHeader", "frameDeny",
           "customFrameOptionsValue", "contentTypeNosniff", "browserXssFilter", "customBrowserXSSValue",
           "contentSecurityPolicy", "contentSecurityPolicyReportOnly", "publicKey", "referrerPolicy", "permissionsPolicy",
           "isDevelopment"}
MIDDLEWARE_TYPES = {"addPrefix", "basicAuth", "buffering", "chain", "circuitBreaker", "compress", "contentType", "digestAuth",
                    "errors", "forwardAuth", "grpcWeb", "headers", "ipAllowList", "inFlightReq", "passTLSClientCert",
                    "plugin", "rateLimit", "redirectRegex", "redirectScheme", "replacePath", "replacePathRegex", "retry",
                    "stripPrefix", "stripPrefixRegex"}
LOAD_BALANCER = {"servers", "sticky", "healthCheck", "passHostHeader", "responseForwarding", "serversTransport", "strategy"}

failures = []


def check(condition, what, detail=""):
    print(("ok   " if condition else "FAIL ") + what + (f" ({detail})" if detail and not condition else ""))
    if not condition:
        failures.append(what + (f": {detail}" if detail else ""))
    return condition


def keys_within(mapping, allowed, where):
    unknown = sorted(set(mapping or {}) - allowed)
    check(not unknown, f"{where}: only documented keys", f"unknown: {unknown}")


def product_header_names(config):
    """The identity header names: the configuration reference's defaults, overridden by the config."""
    row = next((line for line in CONFIG_REFERENCE.read_text().splitlines() if line.startswith("| `identity_headers.user`")), "")
    defaults = re.findall(r"`([A-Za-z-]+)`", row.split("|")[3]) if row else []
    check(len(defaults) == 5, "docs/configuration.md documents five identity header defaults", row)
    names = dict(zip(["user", "email", "role", "tenant", "jwt"], defaults))
    names.update({k: v for k, v in (config.get("identity_headers") or {}).items() if k in names})
    return list(names.values())


def path_prefixes(rule):
    return re.findall(r"PathPrefix\(`([^`]*)`\)", rule or "")


def check_static(static, dynamic_target):
    keys_within(static, STATIC_TOP, "traefik.yml")
    entry_points = static.get("entryPoints") or {}
    check(bool(entry_points), "traefik.yml: has entry points")
    for name, entry in entry_points.items():
        keys_within(entry, ENTRY_POINT, f"traefik.yml entryPoints.{name}")
        check(re.fullmatch(r"[\w.\[\]:-]*:\d+(/(tcp|udp))?", str(entry.get("address", ""))) is not None, f"traefik.yml entryPoints.{name}: address is [host]:port", entry.get("address"))
        forwarded = entry.get("forwardedHeaders") or {}
        keys_within(forwarded, FORWARDED_HEADERS, f"traefik.yml entryPoints.{name}.forwardedHeaders")
    providers = static.get("providers") or {}
    file_provider = providers.get("file") or {}
    keys_within(file_provider, FILE_PROVIDER, "traefik.yml providers.file")
    check(file_provider.get("filename") == dynamic_target, f"traefik.yml: the file provider reads the mounted dynamic.yml ({dynamic_target})", file_provider.get("filename"))
    return entry_points


def check_dynamic(dynamic, entry_points, config, headers, gatehouse_hosts, traefik_address):
    keys_within(dynamic, DYNAMIC_TOP, "dynamic.yml")
    http = dynamic.get("http") or {}
    keys_within(http, HTTP_SECTIONS, "dynamic.yml http")
    routers, middlewares, services = http.get("routers") or {}, http.get("middlewares") or {}, http.get("services") or {}
    listen_port = int(config["listen"].rsplit(":", 1)[1])
    prefix = config.get("sso_prefix", "/sso")

    gatehouse_services = set()
    for name, service in services.items():
        check(set(service) == {"loadBalancer"}, f"dynamic.yml services.{name}: a loadBalancer", str(list(service)))
        balancer = service.get("loadBalancer") or {}
        keys_within(balancer, LOAD_BALANCER, f"dynamic.yml services.{name}.loadBalancer")
        urls = [urlparse(server.get("url", "")) for server in balancer.get("servers") or []]
        check(bool(urls) and all(u.scheme in ("http", "https") and u.hostname for u in urls), f"dynamic.yml services.{name}: servers have http(s) URLs")
        if any(u.hostname in gatehouse_hosts for u in urls):
            gatehouse_services.add(name)
            check(all(u.port == listen_port for u in urls), f"dynamic.yml services.{name}: Gatehouse at its listen port {listen_port}")

    forward_auths = {}
    for name, middleware in middlewares.items():
        kinds = set(middleware or {})
        check(len(kinds) == 1 and kinds <= MIDDLEWARE_TYPES, f"dynamic.yml middlewares.{name}: exactly one middleware type", str(sorted(kinds)))
        kind = next(iter(kinds), None)
        body = (middleware or {}).get(kind) or {}
        if kind == "forwardAuth":
            forward_auths[name] = body
            keys_within(body, FORWARD_AUTH, f"dynamic.yml middlewares.{name}.forwardAuth")
            address = urlparse(body.get("address", ""))
            check(
                address.hostname in gatehouse_hosts and address.port == listen_port and address.path == f"{prefix}/auth",
                f"dynamic.yml {name}: address is Gatehouse's {prefix}/auth on port {listen_port}",
                address.geturl(),
            )
            check(address.query == "redirect=true", f"dynamic.yml {name}: the address asks for the sign-in redirect (?redirect=true)", address.geturl())
            check(body.get("authResponseHeaders") == headers, f"dynamic.yml {name}: authResponseHeaders are exactly {headers}", str(body.get("authResponseHeaders")))
            check("authResponseHeadersRegex" not in body, f"dynamic.yml {name}: no authResponseHeadersRegex (it would copy more headers)")
            trust = body.get("trustForwardHeader", False)
            check(isinstance(trust, bool), f"dynamic.yml {name}: trustForwardHeader is a boolean")
            if trust:
                for entry_name, entry in entry_points.items():
                    check(not (entry.get("forwardedHeaders") or {}).get("insecure"), f"trustForwardHeader: entry point {entry_name} does not accept clients' X-Forwarded-*")
            trusted = [ipaddress.ip_network(c, strict=False) for c in config.get("trusted_proxies", [])]
            check(
                traefik_address is not None and any(ipaddress.ip_address(traefik_address) in net for net in trusted),
                f"gatehouse.yaml trusted_proxies covers Traefik's address {traefik_address} (X-Forwarded-Uri believed)",
                str(trusted),
            )
            if "authRequestHeaders" in body:
                check("Cookie" in body["authRequestHeaders"], f"dynamic.yml {name}: authRequestHeaders keeps Cookie (the session)")
        elif kind == "errors":
            keys_within(body, ERRORS, f"dynamic.yml middlewares.{name}.errors")
            check(all(re.fullmatch(r"\d{3}(-\d{3})?", str(s)) for s in body.get("status") or []), f"dynamic.yml {name}: status entries are codes or ranges")
            check(body.get("service") in services, f"dynamic.yml {name}: service {body.get('service')} exists")
            check(str(body.get("query", "")).startswith("/"), f"dynamic.yml {name}: query is a path")
        elif kind == "headers":
            keys_within(body, HEADERS, f"dynamic.yml middlewares.{name}.headers")
            check(all(isinstance(v, str) for v in (body.get("customRequestHeaders") or {}).values()), f"dynamic.yml {name}: header values are strings")
    check(len(forward_auths) == 1, "dynamic.yml: one forwardAuth middleware", str(list(forward_auths)))

    covered = set()
    app_routers = []
    for name, router in routers.items():
        keys_within(router, ROUTER, f"dynamic.yml routers.{name}")
        check(bool(router.get("rule")) and router.get("service") in services, f"dynamic.yml routers.{name}: has a rule and an existing service")
        for entry in router.get("entryPoints") or []:
            check(entry in entry_points, f"dynamic.yml routers.{name}: entry point {entry} exists")
        used = router.get("middlewares") or []
        for middleware in used:
            check(middleware in middlewares, f"dynamic.yml routers.{name}: middleware {middleware} exists")
        if router.get("service") in gatehouse_services:
            covered.update(path_prefixes(router.get("rule")))
            check(not set(used) & set(forward_auths), f"dynamic.yml routers.{name}: Gatehouse's own routes skip forwardAuth")
        else:
            app_routers.append(name)
            auth = [i for i, m in enumerate(used) if m in forward_auths]
            check(bool(auth), f"dynamic.yml routers.{name}: the app is behind forwardAuth")
            errors = [m for m in used if "errors" in (middlewares.get(m) or {})]
            check(not errors, f"dynamic.yml routers.{name}: no errors middleware replaces the app's own 401s", str(errors))
            removed = {
                key.lower()
                for middleware in used
                for key, value in (((middlewares.get(middleware) or {}).get("headers") or {}).get("customRequestHeaders") or {}).items()
                if value == ""
            }
            for header in headers:
                check(header.replace("-", "_").lower() in removed, f"dynamic.yml routers.{name}: the underscore spelling of {header} is removed")
    for needed in (f"{prefix}/", "/scim/"):
        check(needed in covered, f"dynamic.yml: {needed} goes straight to Gatehouse", str(sorted(covered)))
    gatehouse_priority = min((routers[n].get("priority", 0) for n in routers if routers[n].get("service") in gatehouse_services), default=0)
    for name in app_routers:
        check(routers[name].get("priority", 0) < gatehouse_priority, f"dynamic.yml routers.{name}: lower priority than Gatehouse's routes")


def check_config(config_file):
    config = yaml.safe_load(config_file.read_text())
    with tempfile.TemporaryDirectory() as work:
        local = dict(config, store=f"sqlite:{work}/gatehouse.db")
        (Path(work) / "gatehouse.yaml").write_text(yaml.safe_dump(local))
        result = subprocess.run([str(BIN / "gatehouse"), "check-config", "--config", f"{work}/gatehouse.yaml"], capture_output=True, text=True)
    check(result.returncode == 0, "gatehouse.yaml passes gatehouse check-config (store moved to a temp dir)", (result.stdout + result.stderr).strip())
    return config


class NoRedirect(urllib.request.HTTPRedirectHandler):
    """Traefik does not follow the auth server's redirects either."""

    def redirect_request(self, *args, **kwargs):
        return None


OPENER = urllib.request.build_opener(NoRedirect)


def request(url, headers=None):
    try:
        with OPENER.open(urllib.request.Request(url, headers=headers or {}), timeout=10) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def check_live(config, auth_target):
    """A gatehouse with this config, asked as Traefik asks; 127.0.0.1 plays Traefik's address."""
    with tempfile.TemporaryDirectory() as work:
        port, admin = free_port(), free_port()
        local = dict(
            config, listen=f"127.0.0.1:{port}", admin_listen=f"127.0.0.1:{admin}", store=f"sqlite:{work}/gatehouse.db",
            trusted_proxies=["127.0.0.1/32"], tenants=[],
        )
        (Path(work) / "gatehouse.yaml").write_text(yaml.safe_dump(local))
        log = open(Path(work) / "gatehouse.log", "w")
        server = subprocess.Popen([str(BIN / "gatehouse"), "serve", "--config", f"{work}/gatehouse.yaml"], stdout=log, stderr=subprocess.STDOUT)
        try:
            wait_for(f"http://127.0.0.1:{admin}/readyz")
            # The headers Traefik's ForwardAuth sets (pkg/middlewares/auth/forward.go, writeHeader).
            forwarded = {"X-Forwarded-Method": "GET", "X-Forwarded-Proto": "http", "X-Forwarded-Host": "localhost:8080",
                         "X-Forwarded-Uri": "/reports?x=1", "X-Forwarded-For": "203.0.113.7", "Accept": "text/html"}
            status, headers, _ = request(f"http://127.0.0.1:{port}{auth_target}", forwarded)
            check(status == 302 and headers.get("Location") == "/sso/login?return_to=/reports%3Fx%3D1",
                  f"live: {auth_target} without a session sends a page load to the sign-in page with its path", f"{status} {headers.get('Location')}")
            status, _, _ = request(f"http://127.0.0.1:{port}{auth_target}", dict(forwarded, Accept="application/json"))
            check(status == 401, f"live: {auth_target} without a session answers an API call 401", str(status))
            status, headers, body = request(f"http://127.0.0.1:{port}/sso/login", {"Host": "localhost:8080"})
            check(status == 200 and b"<form" in body, "live: /sso/login answers the sign-in form", str(status))
            check(any("csrf" in c for c in headers.get_all("Set-Cookie") or []), "live: /sso/login sets its CSRF cookie")
        finally:
            stop(server, timeout=30)
            log.close()


def main():
    print(f"Traefik example in {EXAMPLE}, binaries from {BIN}")
    quiet = subprocess.run(["docker-compose", "-f", "docker-compose.yml", "config", "-q"], cwd=EXAMPLE, capture_output=True, text=True)
    check(quiet.returncode == 0 and not quiet.stderr.strip(), "docker-compose -f docker-compose.yml config -q", quiet.stderr.strip())
    compose = yaml.safe_load((EXAMPLE / "docker-compose.yml").read_text())
    services = compose.get("services") or {}
    traefik = next((s for s in services.values() if str(s.get("image", "")).startswith("traefik:v3")), None)
    if not check(traefik is not None, "docker-compose.yml runs Traefik v3"):
        sys.exit(1)
    mounted = {v.split(":")[1]: v.split(":")[0] for v in traefik.get("volumes", [])}
    dynamic_target = next((t for t, s in mounted.items() if Path(s).name == "dynamic.yml"), None)
    check(mounted.get("/etc/traefik/traefik.yml") == "./traefik.yml", "docker-compose.yml mounts traefik.yml as Traefik's static config")
    traefik_address = ((traefik.get("networks") or {}).get("default") or {}).get("ipv4_address")
    gatehouse_hosts = {name for name, s in services.items() if s.get("build") and "serve" in (s.get("command") or ["serve"])}
    app_hosts = {name for name, s in services.items() if "whoami" in str(s.get("image", ""))}
    for name in app_hosts:
        check(not services[name].get("ports"), f"docker-compose.yml: the app ({name}) is published on no port")

    config = check_config(EXAMPLE / "gatehouse.yaml")
    headers = product_header_names(config)
    entry_points = check_static(yaml.safe_load((EXAMPLE / "traefik.yml").read_text()), dynamic_target)
    dynamic = yaml.safe_load((EXAMPLE / "dynamic.yml").read_text())
    check_dynamic(dynamic, entry_points, config, headers, gatehouse_hosts, traefik_address)
    # Ask the live Gatehouse at the path and query the forwardAuth middleware names.
    addresses = [urlparse(m["forwardAuth"].get("address", "")) for m in ((dynamic.get("http") or {}).get("middlewares") or {}).values() if "forwardAuth" in (m or {})]
    auth_target = addresses[0].path + (f"?{addresses[0].query}" if addresses[0].query else "") if addresses else "/sso/auth"
    check_live(config, auth_target)
    if failures:
        print(f"\n{len(failures)} check(s) failed:", *failures, sep="\n  ")
        sys.exit(1)
    print("\nTraefik example: every check passed")


if __name__ == "__main__":
    main()
