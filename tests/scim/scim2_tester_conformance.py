"""SCIM conformance against a peer we did not write (`make test` runs it after the Swift tests):
PyPI's scim2-tester, through scim2-cli (`scim2 --url BASE test`), against a real `gatehouse serve`
on 127.0.0.1 with a fresh SQLite store. Every check must end SUCCESS: one ERROR, CRITICAL or SKIPPED
fails the run (Gatehouse searches several resource types at once at `/.search`, so nothing is left
to skip), and so does a run with fewer successes than the last full run had (a tester that found
less to check, or a check that went missing). The server is stopped at the end; readiness is
polled."""
import hashlib
import os
import pathlib
import re
import subprocess
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "python"))
from local_servers import free_port, wait_for  # noqa: E402

BIN = pathlib.Path(os.environ.get("GATEHOUSE_BIN_DIR", ROOT / ".build" / "debug"))
SCIM2 = ROOT / ".venv" / "bin" / "scim2"
METADATA = ROOT / "Tests" / "GatehouseSAMLTests" / "Fixtures" / "okta-metadata.xml"
# Checks that may be skipped, by name: none (multi-type `/.search` is served since issue 10).
ALLOWED_SKIPS: set[str] = set()
# Successes of the full run on 2026-12-02 with scim2-tester 0.5.2 (both search_with_attributes included).
MINIMUM_SUCCESSES = 135


def main():
    port, admin_port = free_port(), free_port()
    work = pathlib.Path(tempfile.mkdtemp(prefix="gatehouse-scim2-"))
    token = "conformance-" + os.urandom(16).hex()
    config = work / "gatehouse.yaml"
    config.write_text(
        f"listen: 127.0.0.1:{port}\nadmin_listen: 127.0.0.1:{admin_port}\npublic_url: http://127.0.0.1:{port}\n"
        f"upstream: http://127.0.0.1:{free_port()}\nstore: sqlite:{work}/gatehouse.db\nlog:\n  level: warning\n"
        f"tenants:\n  - id: acme\n    email_domains: [acme.com]\n    idp_metadata_file: {METADATA}\n"
        f"    scim_token_sha256: [\"{hashlib.sha256(token.encode()).hexdigest()}\"]\n"
    )
    # GATEHOUSE_* variables are configuration overrides to gatehouse; ours (GATEHOUSE_BIN_DIR,
    # GATEHOUSE_TEST_POSTGRES from `make test`) would be unknown keys to it.
    child_env = {name: value for name, value in os.environ.items() if not name.startswith("GATEHOUSE_")}
    server = subprocess.Popen([str(BIN / "gatehouse"), "serve", "--config", str(config)], stdout=subprocess.DEVNULL, env=child_env)
    try:
        wait_for(f"http://127.0.0.1:{admin_port}/readyz")
        environment = dict(os.environ, SCIM_CLI_HEADERS=f"Authorization: Bearer {token}", NO_COLOR="1")
        run = subprocess.run([str(SCIM2), "--url", f"http://127.0.0.1:{port}/scim/v2/acme", "test"],
                             env=environment, capture_output=True, text=True, timeout=600)
    finally:
        server.terminate()
        server.wait(timeout=30)
    output = re.sub(r"\x1b\[[0-9;]*m", "", run.stdout + run.stderr)
    results = re.findall(r"^(SUCCESS|ERROR|CRITICAL|SKIPPED|WARNING)\s+(\S+)\s*\n\s*(.*)$", output, re.MULTILINE)
    failures = [r for r in results if r[0] in ("ERROR", "CRITICAL") or (r[0] == "SKIPPED" and r[1] not in ALLOWED_SKIPS)]
    successes = sum(1 for r in results if r[0] == "SUCCESS")
    for status, check, reason in failures:
        print(f"{status} {check}: {reason}", file=sys.stderr)
    if failures or successes < MINIMUM_SUCCESSES:
        print(output[-4000:], file=sys.stderr)
        sys.exit(f"scim2-tester: {len(failures)} failures, {successes} successes (need >= {MINIMUM_SUCCESSES})")
    print(f"scim2-tester conformance passed: {successes} checks, {len(results) - successes} allowed skips")


if __name__ == "__main__":
    main()
