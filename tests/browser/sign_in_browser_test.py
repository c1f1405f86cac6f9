"""The real-browser sign-in test (`make test` runs it after the Swift tests): headless Debian
chromium driven by selenium, through every flow via `gatehouse dev-idp`, the ACS and on to the demo
upstream, which shows the identity headers it received. Gatehouse and the IdP are always on
different sites, as every real Okta tenant is (`*.okta.com` is never the dashboard's site):

- plain http: Gatehouse as http://localhost:PORT, the IdP as http://127.0.0.1:PORT;
- https (when Debian's nginx is installed, as `make deps` does): nginx terminates TLS for
  https://gatehouse.test:PORT in front of Gatehouse (public_url https: `__Host-` cookies, the
  pending cookie `SameSite=None; Secure`), the IdP as http://idp.test:PORT; Chromium maps both
  names to 127.0.0.1 (`--host-resolver-rules`).

Flows: email first, the bookmark URL, the IdP's tile (IdP-initiated), IdP-initiated single logout
over HTTP-Redirect and over HTTP-POST, a login-CSRF attempt (an attacker's own response posted into
the victim's browser from a third page) that must not sign the victim in, and a not-provisioned
person's error page. Screenshots go to artifacts/browser/. Every server binds 127.0.0.1 and is
stopped at the end; readiness is polled, never slept on."""
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
import urllib.parse
import urllib.request
from html import unescape

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "python"))
from local_servers import free_port, wait_for  # noqa: E402

BIN = pathlib.Path(os.environ.get("GATEHOUSE_BIN_DIR", ROOT / ".build" / "debug"))
ARTIFACTS = ROOT / "artifacts" / "browser"
# GATEHOUSE_* variables are configuration overrides to gatehouse, and ours (GATEHOUSE_BIN_DIR, and
# GATEHOUSE_TEST_POSTGRES from `make test`) would be unknown keys to it: none reaches the children.
CHILD_ENV = {name: value for name, value in os.environ.items() if not name.startswith("GATEHOUSE_")}
NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if os.path.exists("/usr/sbin/nginx") else None)


def main():
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    modes = ["http"] + (["https"] if NGINX and shutil.which("openssl") else [])
    if len(sys.argv) > 1:
        modes = sys.argv[1:]
    elif modes == ["http"]:
        print("nginx or openssl missing (make deps installs them): the https run is skipped", file=sys.stderr)
    for mode in modes:
        run_mode(mode)
        print(f"browser sign-in test passed over {mode}")
    print("screenshots in", ARTIFACTS)


def run_mode(mode):
    upstream_port, idp_port, gatehouse_port, admin_port, tls_port, evil_port = (free_port() for _ in range(6))
    work = pathlib.Path(tempfile.mkdtemp(prefix=f"gatehouse-browser-{mode}-"))
    if mode == "https":
        origin, idp = f"https://gatehouse.test:{tls_port}", f"http://idp.test:{idp_port}"
        metadata = f"http://127.0.0.1:{idp_port}/metadata"
    else:
        origin, idp = f"http://localhost:{gatehouse_port}", f"http://127.0.0.1:{idp_port}"
        metadata = f"{idp}/metadata"
    config = work / "gatehouse.yaml"
    config.write_text(
        f"listen: 127.0.0.1:{gatehouse_port}\nadmin_listen: 127.0.0.1:{admin_port}\npublic_url: {origin}\n"
        f"upstream: http://127.0.0.1:{upstream_port}\nstore: sqlite:{work}/gatehouse.db\nlog:\n  level: warning\n"
        f"tenants:\n  - id: dev\n    email_domains: [dev.example]\n    idp_metadata_url: {metadata}\n"
    )
    gatehouse = str(BIN / "gatehouse")
    for email in ("admin@dev.example", "attacker@dev.example"):
        subprocess.run([gatehouse, "users", "add", "--config", str(config), "--tenant", "dev", "--email", email,
                        "--role", "ADMINISTRATOR"], check=True, capture_output=True, env=CHILD_ENV)
    servers = [
        subprocess.Popen([str(BIN / "demo-upstream"), str(upstream_port), "127.0.0.1"], stdout=subprocess.DEVNULL),
        subprocess.Popen([gatehouse, "dev-idp", "--listen", f"127.0.0.1:{idp_port}", "--gatehouse", origin, "--tenant", "dev",
                          "--public-url", idp] if mode == "https" else
                         [gatehouse, "dev-idp", "--listen", f"127.0.0.1:{idp_port}", "--gatehouse", origin, "--tenant", "dev"],
                         stderr=subprocess.DEVNULL, env=CHILD_ENV),
    ]
    evil = EvilSite(evil_port)
    try:
        wait_for(f"http://127.0.0.1:{idp_port}/metadata")
        servers.append(subprocess.Popen([gatehouse, "serve", "--config", str(config)], stdout=subprocess.DEVNULL, env=CHILD_ENV))
        wait_for(f"http://127.0.0.1:{admin_port}/readyz")
        if mode == "https":
            servers.append(start_nginx(work, tls_port, gatehouse_port))
        run_browser(mode, origin, idp, evil, gatehouse_port)
    finally:
        evil.close()
        for server in servers:
            server.terminate()
        for server in servers:
            server.wait(timeout=30)


def start_nginx(work, tls_port, gatehouse_port):
    """nginx terminating TLS (a throwaway self-signed certificate) in front of Gatehouse."""
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=gatehouse.test",
                    "-keyout", str(work / "tls.key"), "-out", str(work / "tls.crt")], check=True, capture_output=True)
    (work / "nginx.conf").write_text(f"""
daemon off; worker_processes 1; pid {work}/nginx.pid; error_log {work}/nginx-error.log warn;
events {{ worker_connections 64; }}
http {{
  access_log off; client_body_temp_path {work}/body; proxy_temp_path {work}/proxy;
  fastcgi_temp_path {work}/fastcgi; uwsgi_temp_path {work}/uwsgi; scgi_temp_path {work}/scgi;
  server {{
    listen 127.0.0.1:{tls_port} ssl; server_name gatehouse.test;
    ssl_certificate {work}/tls.crt; ssl_certificate_key {work}/tls.key;
    location / {{ proxy_pass http://127.0.0.1:{gatehouse_port}; proxy_set_header Host $http_host; proxy_http_version 1.1; }}
  }}
}}
""")
    process = subprocess.Popen([NGINX, "-e", str(work / "nginx-error.log"), "-p", str(work), "-c", str(work / "nginx.conf")], stderr=subprocess.DEVNULL)
    import ssl
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    wait_for(f"https://127.0.0.1:{tls_port}/sso/login", context=context)
    return process


class EvilSite:
    """A third site (127.0.0.1, another port) whose page auto-posts whatever form it is given."""

    def __init__(self, port):
        self.page = b""
        site = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.end_headers()
                self.wfile.write(site.page)

            def log_message(self, *arguments):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.url = f"http://127.0.0.1:{port}/"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def auto_post(self, action, fields):
        inputs = "".join(f'<input type="hidden" name="{name}" value="{value}">' for name, value in fields.items())
        self.page = (f'<!doctype html><title>Win a prize</title><body onload="document.forms[0].submit()">'
                     f'<form method="post" action="{action}">{inputs}</form></body>').encode()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def attacker_response(origin, idp, gatehouse_port):
    """The attacker signs in in their own browser (no cookies shared with the victim) and keeps the
    IdP's signed response for their own request instead of posting it."""
    opener = urllib.request.build_opener(NoRedirect)
    start = f"http://127.0.0.1:{gatehouse_port}/sso/saml/dev/login"
    try:
        opener.open(start)
        raise AssertionError("the bookmark URL did not redirect")
    except urllib.error.HTTPError as redirect:
        location = redirect.headers["Location"]
    idp_page = urllib.parse.urlsplit(location)
    page = urllib.request.urlopen(f"http://127.0.0.1:{idp_page.port}{idp_page.path}?{idp_page.query}").read().decode()
    fields = {"email": "attacker@dev.example", "role": "ADMINISTRATOR",
              "in_response_to": form_value(page, "in_response_to"), "relay_state": form_value(page, "relay_state")}
    answer = urllib.request.urlopen(f"http://127.0.0.1:{idp_page.port}/sso", data=urllib.parse.urlencode(fields).encode()).read().decode()
    return {"SAMLResponse": form_value(answer, "SAMLResponse"), "RelayState": form_value(answer, "RelayState")}


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *arguments):
        return None


def form_value(html, name):
    match = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert match, f"no {name} in the page"
    return unescape(match.group(1))


def sign_in_at_dev_idp(driver, wait, address):
    wait.until(expected_conditions.title_is("gatehouse dev-idp"))
    email = driver.find_element(By.ID, "email")
    email.clear()
    email.send_keys(address)
    driver.find_element(By.CSS_SELECTOR, "button[type=submit]").click()


def expect_signed_in(driver, wait, url):
    wait.until(expected_conditions.title_is("Demo upstream"))
    assert driver.current_url == url, driver.current_url
    body = driver.find_element(By.TAG_NAME, "body").text
    for expected in ("X-Forwarded-Email", "admin@dev.example", "ADMINISTRATOR", "X-Gatehouse-Jwt-Assertion"):
        assert expected in body, f"{expected} not on the upstream page"


def expect_signed_out(driver, wait, origin):
    driver.get(origin + "/reports")
    wait.until(expected_conditions.presence_of_element_located((By.ID, "email")))
    assert "/sso/login" in driver.current_url, driver.current_url


def sign_out_at_dev_idp(driver, wait, idp, origin, binding):
    """IdP-initiated logout from the dev IdP's page ("redirect" or "post" binding), cross-site."""
    driver.get(idp + "/logout")
    wait.until(expected_conditions.title_is("gatehouse dev-idp logout"))
    driver.find_element(By.ID, "email").send_keys("admin@dev.example")
    driver.find_element(By.ID, binding).click()
    wait.until(expected_conditions.title_is("Signed out at the dev IdP"))
    expect_signed_out(driver, wait, origin)


def forget_cookies(driver, origin, idp):
    """A new person at the same browser: every cookie of every site gone."""
    driver.execute_cdp_cmd("Network.clearBrowserCookies", {})


def check_cookies(driver, mode):
    names = {cookie["name"]: cookie for cookie in driver.get_cookies()}
    session = "__Host-gatehouse_session" if mode == "https" else "gatehouse_session"
    assert session in names, sorted(names)
    assert names[session]["httpOnly"] and names[session].get("sameSite") == "Lax", names[session]
    if mode == "https":
        assert names[session]["secure"], names[session]
        assert not [name for name in names if name.startswith("gatehouse_")], sorted(names)


def run_browser(mode, origin, idp, evil, gatehouse_port):
    options = webdriver.ChromeOptions()
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1000,800",
                     "--disable-features=HttpsUpgrades,HttpsFirstBalancedModeAutoEnable"):
        options.add_argument(argument)
    if mode == "https":
        options.add_argument("--host-resolver-rules=MAP gatehouse.test 127.0.0.1, MAP idp.test 127.0.0.1")
        options.add_argument("--ignore-certificate-errors")
    options.binary_location = "/usr/bin/chromium"
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    wait = WebDriverWait(driver, 20)
    shot = lambda name: driver.save_screenshot(str(ARTIFACTS / f"{mode}-{name}.png"))  # noqa: E731
    try:
        # Email first: a page of the app sends the browser to the email page, return_to kept.
        driver.get(origin + "/reports?id=7")
        wait.until(expected_conditions.presence_of_element_located((By.ID, "email")))
        assert "/sso/login" in driver.current_url, driver.current_url
        shot("1-sign-in-page")
        driver.find_element(By.ID, "email").send_keys("admin@dev.example")
        driver.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        # The dev IdP's page (another site): pick who to be; its page posts to the ACS cross-site.
        sign_in_at_dev_idp(driver, wait, "admin@dev.example")
        expect_signed_in(driver, wait, origin + "/reports?id=7")
        check_cookies(driver, mode)
        shot("2-signed-in-upstream")

        # IdP-initiated logout over HTTP-Redirect: the IdP's page sends the browser to the SLO URL.
        sign_out_at_dev_idp(driver, wait, idp, origin, "redirect")

        # The bookmark URL: straight to the IdP, back to the page named in return_to.
        forget_cookies(driver, origin, idp)
        driver.get(origin + "/sso/saml/dev/login?return_to=%2Fsettings%2Fusers")
        sign_in_at_dev_idp(driver, wait, "admin@dev.example")
        expect_signed_in(driver, wait, origin + "/settings/users")

        # IdP-initiated logout over HTTP-POST: the IdP's page posts the LogoutRequest cross-site.
        sign_out_at_dev_idp(driver, wait, idp, origin, "post")

        # The Okta-tile way: an unsolicited response from the IdP's own page lands on "/".
        forget_cookies(driver, origin, idp)
        driver.get(idp + "/")
        sign_in_at_dev_idp(driver, wait, "admin@dev.example")
        expect_signed_in(driver, wait, origin + "/")
        check_cookies(driver, mode)

        # Login CSRF: the victim has started a sign-in of their own (a pending request in their
        # browser); a third site posts the attacker's response, for the attacker's request, into
        # the victim's browser. It must not sign the victim in as the attacker.
        forget_cookies(driver, origin, idp)
        driver.get(origin + "/sso/saml/dev/login")
        wait.until(expected_conditions.title_is("gatehouse dev-idp"))
        evil.auto_post(origin + "/sso/saml/dev/acs", attacker_response(origin, idp, gatehouse_port))
        driver.get(evil.url)
        wait.until(expected_conditions.title_is("Your identity provider refused the sign-in"))
        shot("4-login-csrf-refused")
        assert not [c for c in driver.get_cookies() if c["name"].endswith("gatehouse_session")], driver.get_cookies()
        expect_signed_out(driver, wait, origin)

        # An error page: a person the app does not know.
        forget_cookies(driver, origin, idp)
        driver.get(origin + "/sso/login")
        wait.until(expected_conditions.presence_of_element_located((By.ID, "email")))
        driver.find_element(By.ID, "email").send_keys("stranger@dev.example")
        driver.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        sign_in_at_dev_idp(driver, wait, "stranger@dev.example")
        wait.until(expected_conditions.title_is("Your account is not set up here"))
        text = driver.find_element(By.TAG_NAME, "body").text
        assert "must match" in text and "Reference:" in text, text
        shot("3-not-provisioned")
    except Exception:
        shot("failure")
        print("failed at", driver.current_url, driver.title, file=sys.stderr)
        raise
    finally:
        driver.quit()


if __name__ == "__main__":
    os.environ.setdefault("SE_OFFLINE", "true")
    sys.exit(main())
