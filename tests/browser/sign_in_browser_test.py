"""The real-browser sign-in test (`make test` runs it after the Swift tests): headless Debian
chromium driven by selenium, through each flow (email first, the bookmark URL, the IdP's tile) via
`gatehouse dev-idp`, the ACS and on to the demo upstream, which shows the identity headers it
received. Screenshots of the sign-in page, the
signed-in page and an error page go to artifacts/browser/. Every server binds 127.0.0.1 and is
stopped at the end; readiness is polled, never slept on."""
import os
import pathlib
import subprocess
import sys
import tempfile

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


def main():
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    upstream_port, idp_port, gatehouse_port, admin_port = (free_port() for _ in range(4))
    origin = f"http://127.0.0.1:{gatehouse_port}"
    work = pathlib.Path(tempfile.mkdtemp(prefix="gatehouse-browser-"))
    config = work / "gatehouse.yaml"
    config.write_text(
        f"listen: 127.0.0.1:{gatehouse_port}\nadmin_listen: 127.0.0.1:{admin_port}\npublic_url: {origin}\n"
        f"upstream: http://127.0.0.1:{upstream_port}\nstore: sqlite:{work}/gatehouse.db\nlog:\n  level: warning\n"
        f"tenants:\n  - id: dev\n    email_domains: [dev.example]\n    idp_metadata_url: http://127.0.0.1:{idp_port}/metadata\n"
    )
    gatehouse = str(BIN / "gatehouse")
    subprocess.run([gatehouse, "users", "add", "--config", str(config), "--tenant", "dev", "--email", "admin@dev.example",
                    "--role", "ADMINISTRATOR"], check=True, capture_output=True)
    servers = [
        subprocess.Popen([str(BIN / "demo-upstream"), str(upstream_port), "127.0.0.1"], stdout=subprocess.DEVNULL),
        subprocess.Popen([gatehouse, "dev-idp", "--listen", f"127.0.0.1:{idp_port}", "--gatehouse", origin, "--tenant", "dev"],
                         stderr=subprocess.DEVNULL),
    ]
    try:
        wait_for(f"http://127.0.0.1:{idp_port}/metadata")
        servers.append(subprocess.Popen([gatehouse, "serve", "--config", str(config)], stdout=subprocess.DEVNULL))
        wait_for(f"http://127.0.0.1:{admin_port}/readyz")
        run_browser(origin, f"http://127.0.0.1:{idp_port}")
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            server.wait(timeout=30)
    print("browser sign-in test passed; screenshots in", ARTIFACTS)


def sign_in_at_dev_idp(driver, wait, address):
    wait.until(expected_conditions.title_is("gatehouse dev-idp"))
    email = driver.find_element(By.ID, "email")
    email.clear()
    email.send_keys(address)
    driver.find_element(By.CSS_SELECTOR, "button[type=submit]").click()


def run_browser(origin, idp):
    options = webdriver.ChromeOptions()
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1000,800"):
        options.add_argument(argument)
    options.binary_location = "/usr/bin/chromium"
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    wait = WebDriverWait(driver, 20)
    try:
        # A page of the app: Gatehouse sends the browser to the email page, return_to kept.
        driver.get(origin + "/reports?id=7")
        wait.until(expected_conditions.presence_of_element_located((By.ID, "email")))
        assert "/sso/login" in driver.current_url, driver.current_url
        driver.save_screenshot(str(ARTIFACTS / "1-sign-in-page.png"))
        driver.find_element(By.ID, "email").send_keys("admin@dev.example")
        driver.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        # The dev IdP's page: pick who to be.
        sign_in_at_dev_idp(driver, wait, "admin@dev.example")
        # Auto-posted to the ACS, then back to the page first asked for, served by the upstream.
        wait.until(expected_conditions.title_is("Demo upstream"))
        assert driver.current_url == origin + "/reports?id=7", driver.current_url
        body = driver.find_element(By.TAG_NAME, "body").text
        for expected in ("X-Forwarded-Email", "admin@dev.example", "ADMINISTRATOR", "X-Gatehouse-Jwt-Assertion"):
            assert expected in body, f"{expected} not on the upstream page"
        driver.save_screenshot(str(ARTIFACTS / "2-signed-in-upstream.png"))

        # The bookmark URL: straight to the IdP, back to the page named in return_to.
        driver.delete_all_cookies()
        driver.get(origin + "/sso/saml/dev/login?return_to=%2Fsettings%2Fusers")
        sign_in_at_dev_idp(driver, wait, "admin@dev.example")
        wait.until(expected_conditions.title_is("Demo upstream"))
        assert driver.current_url == origin + "/settings/users", driver.current_url

        # The Okta-tile way: an unsolicited response from the IdP's own page lands on "/".
        driver.delete_all_cookies()
        driver.get(idp + "/")
        sign_in_at_dev_idp(driver, wait, "admin@dev.example")
        wait.until(expected_conditions.title_is("Demo upstream"))
        assert driver.current_url == origin + "/", driver.current_url

        # An error page: a person the app does not know.
        driver.delete_all_cookies()
        driver.get(origin + "/sso/login")
        wait.until(expected_conditions.presence_of_element_located((By.ID, "email")))
        driver.find_element(By.ID, "email").send_keys("stranger@dev.example")
        driver.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        sign_in_at_dev_idp(driver, wait, "stranger@dev.example")
        wait.until(expected_conditions.title_is("Your account is not set up here"))
        text = driver.find_element(By.TAG_NAME, "body").text
        assert "must match" in text and "Reference:" in text, text
        driver.save_screenshot(str(ARTIFACTS / "3-not-provisioned.png"))
    finally:
        driver.quit()


if __name__ == "__main__":
    os.environ.setdefault("SE_OFFLINE", "true")
    sys.exit(main())
