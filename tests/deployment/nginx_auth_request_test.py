"""examples/nginx-auth-request, run for real: Debian's nginx in front (auth_request to Gatehouse's
/sso/auth), Gatehouse, `gatehouse dev-idp` and the demo upstream, all on 127.0.0.1. Signs in
through nginx over plain HTTP the way a browser does (cookie jar, no redirects followed by
themselves) and checks what the app receives, the sign-in redirect and its return_to, the /admin/
rule in several spellings, and signing out. BIN names the folder with gatehouse and
demo-upstream (default .build/debug). Exits non-zero on any failure."""
import html
import http.client
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import urllib.parse
from pathlib import Path

import jwt
import yaml

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "python"))
from local_servers import free_port, wait_for  # noqa: E402

EXAMPLE = ROOT / "examples" / "nginx-auth-request"
BIN = Path(os.environ.get("BIN", ROOT / ".build" / "debug"))
IDENTITY = ["x-forwarded-user", "x-forwarded-email", "x-forwarded-role", "x-forwarded-tenant", "x-gatehouse-jwt-assertion"]

failures = []


def check(condition, what, detail=""):
    print(("ok   " if condition else "FAIL ") + what + ("" if condition else f"  ({detail})"))
    if not condition:
        failures.append(what)
    return condition


class Browser:
    """Plain HTTP with a cookie jar per host:port; redirects are returned, not followed."""

    def __init__(self):
        self.jars = {}

    def request(self, url, method="GET", headers=None, form=None):
        parts = urllib.parse.urlsplit(url)
        origin = parts.netloc
        target = parts.path + (("?" + parts.query) if parts.query else "")
        sent = dict(headers or {})
        sent.setdefault("Accept", "*/*")
        jar = self.jars.setdefault(origin, {})
        if jar and "Cookie" not in sent:
            sent["Cookie"] = "; ".join(f"{name}={value}" for name, value in jar.items())
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form).encode()
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
        try:
            connection.putrequest(method, target, skip_accept_encoding=True)
            for name, value in sent.items():
                connection.putheader(name, value)
            if body is not None:
                connection.putheader("Content-Length", str(len(body)))
            connection.endheaders(body)
            response = connection.getresponse()
            payload = response.read().decode("utf-8", "replace")
            pairs = response.getheaders()
        finally:
            connection.close()
        for name, value in pairs:
            if name.lower() == "set-cookie":
                cookie = value.split(";", 1)[0]
                key, _, val = cookie.partition("=")
                if re.search(r";\s*max-age=0\b", value, re.I) or val == "":
                    jar.pop(key, None)
                else:
                    jar[key] = val
        return response.status, {name.lower(): value for name, value in pairs}, payload

    def follow(self, base, location):
        return self.request(urllib.parse.urljoin(base, location))


def hidden(page, name):
    found = re.search(r'name="%s"[^>]*value="([^"]*)"' % re.escape(name), page)
    if not found:
        raise AssertionError(f"no field {name} in page: {page[:300]}")
    return html.unescape(found.group(1))


def sign_in(browser, front, target, email, role):
    """Asks nginx for TARGET without a session and signs in through the redirect it gives.
    Returns (return_to from the redirect, where the ACS sent the browser)."""
    status, headers, _ = browser.request(front + target)
    if status != 302:
        raise AssertionError(f"{target} without a session: {status}, expected 302")
    location = headers["location"]
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(location).query)
    return_to = query.get("return_to", [None])[0]
    status, _, page = browser.follow(front + target, location)
    if status != 200:
        raise AssertionError(f"sign-in page: {status}")
    status, headers, _ = browser.request(
        front + "/sso/login", method="POST",
        form={"email": email, "return_to": hidden(page, "return_to"), "csrf": hidden(page, "csrf")})
    if status not in (302, 303):
        raise AssertionError(f"POST /sso/login: {status}")
    idp_url = headers["location"]
    status, _, page = browser.request(idp_url)
    if status != 200:
        raise AssertionError(f"dev IdP page: {status}")
    idp_post = urllib.parse.urljoin(idp_url, "/sso")
    status, _, page = browser.request(
        idp_post, method="POST",
        form={"email": email, "role": role, "in_response_to": hidden(page, "in_response_to"),
              "relay_state": hidden(page, "relay_state")})
    action = html.unescape(re.search(r'<form method="post" action="([^"]+)"', page).group(1))
    if not action.startswith(front + "/sso/saml/dev/acs"):
        raise AssertionError(f"the dev IdP posts to {action}, not through nginx")
    status, headers, _ = browser.request(
        action, method="POST", form={"SAMLResponse": hidden(page, "SAMLResponse"), "RelayState": hidden(page, "RelayState")})
    if status not in (302, 303) or "gatehouse_session" not in browser.jars.get(urllib.parse.urlsplit(front).netloc, {}):
        raise AssertionError(f"ACS: {status}, no session cookie")
    return return_to, headers["location"]


def app_view(browser, front, target, headers=None):
    """What the demo upstream received for TARGET (its JSON echo), or (status, None)."""
    status, _, body = browser.request(front + target, headers=headers)
    if status != 200:
        return status, None
    echo = json.loads(body)
    seen = {}
    for name, value in echo["headers"]:
        seen.setdefault(name.lower(), []).append(value)
    return status, {"uri": echo["uri"], "headers": seen}


def render_configs(work, ports):
    config = yaml.safe_load((EXAMPLE / "gatehouse.yaml").read_text())
    config["listen"] = f"127.0.0.1:{ports['gatehouse']}"
    config["admin_listen"] = f"127.0.0.1:{ports['admin']}"
    config["public_url"] = f"http://127.0.0.1:{ports['nginx']}"
    config["upstream"] = f"http://127.0.0.1:{ports['app']}"
    config["store"] = f"sqlite:{work}/gatehouse.db"
    config["tenants"][0]["idp_metadata_url"] = f"http://127.0.0.1:{ports['idp']}/metadata"
    (work / "gatehouse.yaml").write_text(yaml.safe_dump(config))

    template = (EXAMPLE / "gatehouse.conf.template").read_text()
    values = {"NGINX_LISTEN": f"127.0.0.1:{ports['nginx']}", "GATEHOUSE_ADDR": f"127.0.0.1:{ports['gatehouse']}",
              "APP_ADDR": f"127.0.0.1:{ports['app']}"}
    rendered = re.sub(r"\$\{([A-Z_]+)\}", lambda m: values[m.group(1)], template)
    assert "${" not in rendered
    (work / "gatehouse.conf").write_text(rendered)
    temp = work / "nginx-temp"
    temp.mkdir()
    (work / "nginx.conf").write_text(f"""
worker_processes 1;
error_log {work}/nginx-error.log notice;
pid {work}/nginx.pid;
events {{ worker_connections 256; }}
http {{
    access_log {work}/nginx-access.log;
    client_body_temp_path {temp}/body;
    proxy_temp_path {temp}/proxy;
    fastcgi_temp_path {temp}/fastcgi;
    uwsgi_temp_path {temp}/uwsgi;
    scgi_temp_path {temp}/scgi;
    include {work}/gatehouse.conf;
}}
""")


def main():
    work = Path(tempfile.mkdtemp(prefix="gatehouse-nginx-"))
    ports = {name: free_port() for name in ("nginx", "gatehouse", "admin", "idp", "app")}
    render_configs(work, ports)
    front = f"http://127.0.0.1:{ports['nginx']}"
    processes = []

    def start(name, argv):
        log = open(work / f"{name}.log", "w")
        processes.append((name, subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, cwd=work)))

    try:
        start("app", [str(BIN / "demo-upstream"), str(ports["app"]), "127.0.0.1"])
        start("idp", [str(BIN / "gatehouse"), "dev-idp", "--listen", f"127.0.0.1:{ports['idp']}", "--gatehouse", front,
                      "--tenant", "dev", "--user", "analyst@dev.example", "--user", "admin@dev.example"])
        wait_for(f"http://127.0.0.1:{ports['app']}/bench")
        wait_for(f"http://127.0.0.1:{ports['idp']}/metadata")
        start("gatehouse", [str(BIN / "gatehouse"), "serve", "--config", str(work / "gatehouse.yaml")])
        wait_for(f"http://127.0.0.1:{ports['admin']}/readyz")
        # Debian puts nginx in /usr/sbin, which a non-root PATH may lack.
        nginx = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/usr/local/sbin")
        if not nginx:
            raise RuntimeError("nginx is not installed (apt-get install nginx)")
        start("nginx", [nginx, "-p", str(work), "-c", str(work / "nginx.conf"), "-g", "daemon off;"])
        wait_for(front + "/sso/jwks.json")
        print(f"nginx {front} -> gatehouse :{ports['gatehouse']}, app :{ports['app']}, dev IdP :{ports['idp']}")
        run_checks(front)
    except Exception as error:  # a broken flow is a failure, reported with the logs below
        check(False, "the flow ran to the end", repr(error))
    finally:
        for name, process in reversed(processes):
            process.send_signal(signal.SIGQUIT if name == "nginx" else signal.SIGTERM)
        for name, process in reversed(processes):
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if failures:
            for name in ("nginx-error", "gatehouse", "idp", "app"):
                path = work / f"{name}.log"
                if path.exists():
                    print(f"--- {name}.log (last lines)")
                    print("\n".join(path.read_text(errors="replace").splitlines()[-25:]))
        shutil.rmtree(work, ignore_errors=True)
    if failures:
        print(f"{len(failures)} check(s) failed")
        return 1
    print("nginx auth_request example: every check passed")
    return 0


def run_checks(front):
    # Not signed in: a page gets the sign-in redirect, with the whole target (query, & and %)
    # as return_to, and after signing in the browser lands on exactly that.
    analyst = Browser()
    target = "/reports/q?from=2026-01-01&name=a%26b+c"
    return_to, landed = sign_in(analyst, front, target, "analyst@dev.example", "ANALYST")
    check(return_to == target, "not signed in: 302 to /sso/login with the original target in return_to",
          f"return_to {return_to!r}")
    check(landed == target, "after sign-in the ACS sends the browser to return_to", f"Location {landed!r}")
    status, view = app_view(analyst, front, landed)
    check(status == 200 and view["uri"] == target, "that address reaches the app unchanged", f"{status} {view and view['uri']}")

    status, _, _ = Browser().request(front + "/reports/", headers={"Accept": "application/json"})
    check(status == 401, "not signed in, an API call (Accept: application/json) gets 401, not a redirect", status)

    # Signed in: the app sees the identity, one copy of each, and a JWT that verifies.
    status, view = app_view(analyst, front, "/dashboard")
    seen = view["headers"] if view else {}
    check(status == 200, "signed in: the app answers through nginx", status)
    check(seen.get("x-forwarded-email") == ["analyst@dev.example"], "the app sees X-Forwarded-Email", seen.get("x-forwarded-email"))
    check(seen.get("x-forwarded-role") == ["ANALYST"], "the app sees X-Forwarded-Role", seen.get("x-forwarded-role"))
    check(seen.get("x-forwarded-tenant") == ["dev"], "the app sees X-Forwarded-Tenant", seen.get("x-forwarded-tenant"))
    user = seen.get("x-forwarded-user", [""])
    check(len(user) == 1 and user[0] != "", "the app sees one X-Forwarded-User", user)
    cookies = "; ".join(seen.get("cookie", []))
    check("gatehouse_" not in cookies, "Gatehouse's cookies do not reach the app", cookies)
    tokens = seen.get("x-gatehouse-jwt-assertion", [])
    if check(len(tokens) == 1, "the app sees one X-Gatehouse-Jwt-Assertion", len(tokens)):
        _, _, jwks = Browser().request(front + "/sso/jwks.json")
        keys = jwt.PyJWKSet.from_json(jwks)
        try:
            claims = jwt.decode(tokens[0], key=keys[jwt.get_unverified_header(tokens[0])["kid"]], algorithms=["ES256"],
                                audience=front, issuer=front, options={"require": ["exp", "iat", "sub", "iss", "aud"]})
            check(claims.get("email") == "analyst@dev.example" and claims.get("role") == "ANALYST"
                  and claims.get("tenant") == "dev" and claims.get("sub") == user[0],
                  "the JWT verifies against /sso/jwks.json (ES256) and names the same person", claims)
        except Exception as error:  # any refusal is a failure
            check(False, "the JWT verifies against /sso/jwks.json (ES256)", repr(error))

    # A client's own identity headers never reach the app: replaced when signed in...
    forged = {"X-Forwarded-User": "admin", "X-Forwarded-Role": "ADMINISTRATOR", "x-forwarded-email": "boss@dev.example",
              "X-FORWARDED-TENANT": "other", "X_Forwarded_Role": "ADMINISTRATOR", "X-Gatehouse-Jwt-Assertion": "forged"}
    status, view = app_view(analyst, front, "/dashboard", headers=forged)
    seen = view["headers"] if view else {}
    check(status == 200 and seen.get("x-forwarded-user") == user and seen.get("x-forwarded-role") == ["ANALYST"]
          and seen.get("x-forwarded-email") == ["analyst@dev.example"] and seen.get("x-forwarded-tenant") == ["dev"]
          and seen.get("x-gatehouse-jwt-assertion") != ["forged"] and "x_forwarded_role" not in seen,
          "signed in: client-sent X-Forwarded-User/-Role/-Email/-Tenant/JWT (any case, _ spelling) are replaced",
          {name: seen.get(name) for name in IDENTITY + ["x_forwarded_role"]})
    # Headers an app framework reads as the original URL or method are cleared too.
    spoofable = {"X-Original-URL": "/admin/settings", "X-Rewrite-URL": "/admin/settings", "X-HTTP-Method-Override": "GET",
                 "Forwarded": "for=1.2.3.4", "X-Forwarded-For": "1.2.3.4"}
    status, view = app_view(analyst, front, "/dashboard", headers=spoofable)
    seen = view["headers"] if view else {}
    passed = {name: seen.get(name.lower()) for name in spoofable if seen.get(name.lower()) not in (None, ["127.0.0.1"])}
    check(status == 200 and not passed, "X-Original-URL, X-Rewrite-URL, a method override, Forwarded and a forged "
          "X-Forwarded-For do not reach the app", f"{status} {passed}")
    # ...and identity headers are removed on a public location, where nobody is signed in.
    status, view = app_view(Browser(), front, "/public/page", headers=forged)
    seen = view["headers"] if view else {}
    leaked = {name: seen[name] for name in IDENTITY + ["x_forwarded_role"] if name in seen}
    check(status == 200 and not leaked, "public location: client-sent identity headers do not reach the app", f"{status} {leaked}")

    # The /admin/ rule: 403 for an analyst in every spelling an app may read as /admin/,
    # 200 for an administrator.
    for spelling in ["/admin/settings", "/Admin/settings", "//admin/settings", "/admin%2Fsettings", "/%61dmin/settings",
                     "/ADMIN/", "/admin", "/admin;x/settings"]:
        status, _, _ = analyst.request(front + spelling)
        check(status == 403, f"rule: ANALYST gets 403 for {spelling}", status)
    administrator = Browser()
    sign_in(administrator, front, "/admin/settings", "admin@dev.example", "ADMINISTRATOR")
    status, view = app_view(administrator, front, "/admin/settings")
    check(status == 200 and view["headers"].get("x-forwarded-role") == ["ADMINISTRATOR"],
          "rule: ADMINISTRATOR gets 200 for /admin/settings", status)

    # Signed out (POST /sso/logout with its CSRF token): the redirect again.
    old_cookie = analyst.jars[urllib.parse.urlsplit(front).netloc]["gatehouse_session"]
    status, _, page = analyst.request(front + "/sso/logout")
    status, headers, _ = analyst.request(front + "/sso/logout", method="POST", form={"csrf": hidden(page, "csrf")})
    check(status == 303, "POST /sso/logout with the CSRF token signs out", status)
    status, headers, _ = analyst.request(front + "/dashboard")
    check(status == 302 and headers.get("location", "").startswith("/sso/login?return_to="),
          "after logout: 302 to the sign-in page", f"{status} {headers.get('location')}")
    # The old cookie, replayed, is dead too; so is a made-up one.
    for name, cookie in [("the signed-out session cookie", "gatehouse_session=" + old_cookie),
                         ("a bogus session cookie", "gatehouse_session=bogus.value")]:
        status, headers, _ = Browser().request(front + "/dashboard", headers={"Cookie": cookie})
        check(status == 302 and headers.get("location", "").startswith("/sso/login"), f"{name}: 302 to the sign-in page", status)


if __name__ == "__main__":
    sys.exit(main())
