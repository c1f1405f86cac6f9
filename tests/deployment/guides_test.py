"""Checks docs/okta.md and docs/entra-id.md against the product (issue 13 item 5).

What a guide tells a person to copy, type, run or open must be what Gatehouse prints, reads,
parses and serves: the labels and sample output of `gatehouse tenant init`, the SAML attribute
names (a real signed sign-in with them), the role values (`/Schemas` and SCIM creates), every
`gatehouse ...` command line and its flags, every `/sso/...` and `/scim/v2/...` path, every config
key, the Okta steps in the customer guide's order, the sign-in problem pages, Entra's SCIM request
shapes, and that a new `idp_metadata_url` takes effect without a restart.

Run: BIN=DIR .venv/bin/python tests/deployment/guides_test.py (BIN holds the gatehouse binary).
"""
import base64
import hashlib
import http.cookies
import http.server
import json
import os
import pathlib
import re
import shlex
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
import zlib

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "python"))
from local_servers import free_port, wait_for, stop  # noqa: E402

FIXTURES = ROOT / "Tests" / "GatehouseSAMLTests" / "Fixtures"
sys.path.insert(0, str(FIXTURES))
import generate  # noqa: E402  (the fixtures' Okta-shaped response template and signer)

BIN = pathlib.Path(os.environ.get("BIN", ROOT / ".build" / "debug"))
GATEHOUSE = str(BIN / "gatehouse")
OKTA = ROOT / "docs" / "okta.md"
ENTRA = ROOT / "docs" / "entra-id.md"
# The customer-facing guide this product must make true; outside the repository, so optional.
CUSTOMER_GUIDE = pathlib.Path(os.environ.get("OKTA_CUSTOMER_GUIDE", ROOT.parent / "shared" / "okta-sso-guide.txt"))
CORE_USER = "urn:ietf:params:scim:schemas:core:2.0:User"
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"

# The Okta admin's screens and fields in the order the customer guide (and Okta's console) has
# them: (label as the guide writes it in bold, label in the customer guide).
OKTA_STEPS = [
    ("Applications → Applications", "Applications → Applications"),
    ("Create App Integration", "Create App Integration"),
    ("SAML 2.0", "SAML 2.0"),
    ("App name", "App name"),
    ("Single sign-on URL", "Single Sign-On (SSO) URL"),
    ("Audience URI (SP Entity ID)", "Audience URI (SP Entity ID)"),
    ("Attribute Statements", "Attribute Statements"),
    ("I'm an Okta customer adding an internal app", "I'm an Okta customer adding an internal app"),
    ("Finish", "Finish"),
    ("Sign On", "Sign On tab"),
    ("Metadata URL", "Metadata URL"),
    ("Assignments", "Assignments tab"),
    ("Provisioning", "Provisioning tab"),
    ("SCIM connector base URL", "SCIM connector base URL"),
    ("Unique identifier field for users", "Unique identifier field"),
    ("Authentication Mode", "Authentication Mode"),
    ("Bearer token", "Bearer token"),
    ("Push New Users", "Push New Users"),
    ("Push Profile Updates", "Push Profile Updates"),
    ("To App", "To App"),
    ("Create Users", "Create Users"),
    ("Update User Attributes", "Update User Attributes"),
    ("Deactivate Users", "Deactivate Users"),
    ("Directory → Profile Editor", "Directory → Profile Editor"),
    ("Add Attribute", "Add Attribute"),
    ("Data type", "Data type"),
    ("Display name", "Display name"),
    ("Variable name", "Variable name"),
    ("External name", "External name"),
    ("External namespace", "External namespace"),
    ("Define enumerated list of values", "Define enumerated list of values"),
    ("Attribute members", "Attribute Members"),
    ("Attribute required", "Attribute required"),
    ("Browse App Catalog", "Browse App Catalog"),
    ("Bookmark App", "Bookmark App"),
    ("URL", "URL:"),
    ("Create Users", None),  # migration: existing users before Create Users (no customer step)
    ("work email", "work email"),
    ("Continue", "continue"),
]
# Sections in the customer guide's order (the guide's `## N.` headings).
OKTA_SECTIONS = [
    ("configure SAML SSO", "Configure SAML SSO"),
    ("configure user provisioning (SCIM)", "Configure User Provisioning (SCIM)"),
    ("create a bookmark app", "Create a Courier Bookmark App"),
    ("Migrate existing users", "Migrate Existing Users"),
    ("The login process", "User Login Process"),
    ("Troubleshooting", "Troubleshooting"),
]
# Backticked snake_case words in the guides that are not configuration keys.
NOT_CONFIG_KEYS = {"request_id"}

failures = []


def check(condition, what, detail=""):
    print(("ok   " if condition else "FAIL ") + what + ("" if condition else f": {detail}"))
    if not condition:
        failures.append(what)
    return condition


def text(path):
    return path.read_text()


def code_blocks(markdown, language=None):
    blocks = re.findall(r"```(\w*)\n(.*?)```", markdown, re.S)
    return [body for lang, body in blocks if language is None or lang == language]


def table_after(markdown, header_pattern):
    """Rows (lists of cells) of the first Markdown table whose header matches."""
    lines = markdown.splitlines()
    for index, line in enumerate(lines):
        if line.lstrip().startswith("|") and re.search(header_pattern, line):
            rows = []
            for row in lines[index + 2:]:
                row = row.strip()
                if not row.startswith("|"):
                    break
                rows.append([cell.strip() for cell in row.strip().strip("|").split("|")])
            return rows
    return None


def ticks(cell):
    return re.findall(r"`([^`]+)`", cell)


def run(args, **kw):
    return subprocess.run([GATEHOUSE, *args], capture_output=True, text=True, timeout=60, **kw)


def request(url, method="GET", body=None, headers=None):
    data = body.encode() if isinstance(body, str) else body
    req = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(req, timeout=10) as response:
            return response.status, response.headers, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read().decode()


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def tenant_init_lines(output):
    return [(m.group(1), m.group(2)) for m in re.finditer(r"^  ([A-Z][^:\n]*):\s+(\S+)$", output, re.M)]


# ---------------------------------------------------------------------------------------------
# Without a server: tenant init, commands, config keys, order.


def check_tenant_init(work, guides):
    config = work / "init.yaml"
    config.write_text(base_config(work, "https://dash.example.com", 0, 0, 3000, tenants=""))
    result = run(["tenant", "init", "acme", "--domain", "acme.com", "--config", str(config)])
    check(result.returncode == 0, "gatehouse tenant init acme --domain acme.com exits 0", result.stderr)
    printed = dict(tenant_init_lines(result.stdout))
    for name, guide in guides.items():
        rows = table_after(guide, r"line of `gatehouse tenant init`")
        check(bool(rows), f"{name}: has the table of fields and tenant init lines")
        labels = [label for row in rows or [] for label in ticks(row[1])]
        labels += re.findall(r"the `([A-Z][^`]*\s[^`]*)`", guide)  # "the `SCIM bearer token`" in steps
        for label in sorted(set(labels)):
            check(label in printed, f"{name}: tenant init prints the label `{label}`", f"printed: {list(printed)}")
    # The Okta guide's sample output is the real output, token and hash aside.
    sample = code_blocks(guides["okta.md"], "text")[0]

    def normalised(output):
        output = re.sub(r"(SCIM bearer token:\s+)[A-Za-z0-9_-]{43}\b", r"\1TOKEN", output)
        return re.sub(r'\["[0-9a-f]{64}"\]', '["HASH"]', output).strip()

    check(normalised(sample) == normalised(result.stdout), "okta.md: the sample tenant init output is what the command prints",
          f"\n--- guide\n{normalised(sample)}\n--- real\n{normalised(result.stdout)}")
    token_line = re.search(r"SCIM bearer token:\s+(\S+)", sample)
    hash_line = re.search(r'\["([0-9a-f]{64})"\]', sample)
    check(bool(token_line and hash_line) and hashlib.sha256(token_line.group(1).encode()).hexdigest() == hash_line.group(1),
          "okta.md: the sample's hash is the SHA-256 of the sample's token")
    return result.stdout


def subcommands(path):
    help_text = run([*path, "--help"]).stdout
    section = help_text.split("SUBCOMMANDS:", 1)[1] if "SUBCOMMANDS:" in help_text else ""
    return set(re.findall(r"^  ([a-z][a-z-]*)\s", section, re.M))


def guide_commands(guide):
    lines = [line.strip() for block in code_blocks(guide, "sh") for line in block.splitlines() if line.strip().startswith("gatehouse ")]
    return lines, [inline for inline in re.findall(r"`(gatehouse [^`]+)`", guide)]


def check_commands(name, guide, work, config):
    blocks, inline = guide_commands(guide)
    check(bool(blocks), f"{name}: has command lines to check")
    for line in blocks + inline:
        words = shlex.split(line)[1:]
        path = []
        while words and words[0] in subcommands(path):
            path.append(words.pop(0))
        help_result = run([*path, "--help"])
        if not check(bool(path) and help_result.returncode == 0, f"{name}: `gatehouse {' '.join(path)}` exists ({line})",
                     help_result.stderr):
            continue
        for flag in [w.split("=")[0] for w in words if w.startswith("--")]:
            check(re.search(rf"(^|\s){re.escape(flag)}\b", help_result.stdout) is not None,
                  f"{name}: `gatehouse {' '.join(path)}` has {flag}", help_result.stdout)
    # Run the code-block commands for real on the test's configuration.
    for line in blocks:
        words = shlex.split(line)[1:]
        # tenant init refuses a tenant that exists: it runs on a configuration without tenants.
        target = work / "init.yaml" if words[:2] == ["tenant", "init"] else config
        words = [str(target) if previous == "--config" else word for previous, word in zip([None] + words, words)]
        result = run(words)
        check(result.returncode == 0, f"{name}: `{line}` runs (on the test's configuration)", result.stderr + result.stdout)


def base_config(work, public_url, port, admin_port, upstream_port, tenants):
    return (
        f"listen: 127.0.0.1:{port}\nadmin_listen: 127.0.0.1:{admin_port}\npublic_url: {public_url}\n"
        f"upstream: http://127.0.0.1:{upstream_port}\nstore: sqlite:{work / 'gatehouse.db'}\n"
        f"session:\n  secret: \"{'s' * 40}\"\n" + (f"tenants:\n{tenants}" if tenants else "")
    )


def check_config_keys(guides, work):
    keys = set()
    for guide in guides.values():
        for inline in re.findall(r"`([^`\n]+)`", guide):
            candidate = inline.split(":", 1)[0] if re.match(r"^[a-z_.]+: ", inline) else inline
            if re.fullmatch(r"[a-z][a-z0-9_]*(\.[a-z0-9_]+)*", candidate) and "_" in candidate and candidate not in NOT_CONFIG_KEYS:
                if not candidate.startswith("gatehouse_"):  # metric names
                    keys.add(candidate)
    check(len(keys) >= 5, "the guides name configuration keys", str(keys))
    tenant = "  - id: acme\n    email_domains: [acme.com]\n    idp_metadata_url: https://acme.okta.com/app/exk123/sso/saml/metadata\n"
    base = base_config(work, "https://dash.example.com", 0, 0, 1, tenant)
    config = work / "key.yaml"
    config.write_text(base)
    check(run(["check-config", "--config", str(config)]).returncode == 0, "check-config accepts the base configuration of the key check")
    for key in sorted(keys):
        found = re.search(rf"^[ -]*{re.escape(key)}:", base, re.M) is not None  # already in the accepted base
        for where in () if found else ("tenant", "top"):
            config = work / "key.yaml"
            if where == "tenant":
                body = base_config(work, "https://dash.example.com", 0, 0, 1, tenant + f"    {key}: x\n")
            else:  # a dotted key is a section and its key
                section, _, leaf = key.rpartition(".")
                body = base_config(work, "https://dash.example.com", 0, 0, 1, tenant)
                body += f"{section}:\n  {leaf}: x\n" if section and section != "session" else f"{key}: x\n"
            config.write_text(body)
            output = run(["check-config", "--config", str(config)])
            if "unknown key" not in output.stdout + output.stderr and "duplicated key" not in output.stderr + output.stdout:
                found = True
                break
        check(found, f"config key `{key}` exists (check-config knows it)")
    # The snippet the guides build: tenant init's YAML, the Metadata URLs they show, adoption.
    for example in re.findall(r"`idp_metadata_url: (\S+)`", "".join(guides.values())):
        config = work / "snippet.yaml"
        config.write_text(base_config(work, "https://dash.example.com", 0, 0, 1,
                                      "  - id: acme\n    email_domains: [acme.com]\n"
                                      f"    idp_metadata_url: {example}\n    allow_idp_initiated: true\n"
                                      f"    scim_token_sha256: [\"{'a' * 64}\"]\n    scim_adopt_existing: true\n"))
        output = run(["check-config", "--config", str(config)])
        check(output.returncode == 0, f"check-config accepts the tenant with idp_metadata_url {example}", output.stdout + output.stderr)


def ordered_firsts(haystack, needles):
    """Position of each needle's first occurrence after the previous needle's."""
    position, found = 0, []
    for needle in needles:
        index = haystack.find(needle, position)
        found.append(index)
        if index >= 0:
            position = index + len(needle)
    return found


def check_okta_order(okta):
    admin_part = okta[okta.index("## 2."):]
    bold = re.findall(r"\*\*([^*]+)\*\*", admin_part)
    sequence = [label for label, _ in OKTA_STEPS]
    missing = [label for label in sequence if label not in bold]
    check(not missing, "okta.md: every Okta screen and field is named in bold", str(missing))
    # Walk the bold labels in the guide's order; each step must come up after the one before.
    position, out_of_order = 0, []
    for label in sequence:
        try:
            position = bold.index(label, position) + 1
        except ValueError:
            out_of_order.append(label)
    check(not out_of_order, "okta.md: the Okta steps come in the customer guide's order", f"not after the step before: {out_of_order}")
    headings = re.findall(r"^## \d+\. (.*)$", okta, re.M)
    positions = [next((i for i, h in enumerate(headings) if part.lower() in h.lower()), -1) for part, _ in OKTA_SECTIONS]
    check(-1 not in positions and positions == sorted(positions), "okta.md: sections in the customer guide's order",
          f"{headings}")
    if CUSTOMER_GUIDE.exists():
        customer = CUSTOMER_GUIDE.read_text()
        labels = [theirs for _, theirs in OKTA_STEPS if theirs]
        found = ordered_firsts(customer, labels)
        check(-1 not in found, "the step list follows the customer guide's own order",
              str([label for label, index in zip(labels, found) if index < 0]))
        found = ordered_firsts(customer, [theirs for _, theirs in OKTA_SECTIONS])
        check(-1 not in found, "the section list follows the customer guide's own order")
    else:
        print(f"note: {CUSTOMER_GUIDE} not here; the step list is checked against the guide only")


# ---------------------------------------------------------------------------------------------
# With a server.


class MetadataServer(http.server.BaseHTTPRequestHandler):
    body = (FIXTURES.parent / "Fixtures" / "okta-metadata.xml").read_bytes()

    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Type", "application/samlmetadata+xml")
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args):
        pass


class Gatehouse:
    def __init__(self, work):
        self.work = work
        self.port, self.admin = free_port(), free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.token, self.beta_token = "acme-" + uuid.uuid4().hex, "beta-" + uuid.uuid4().hex
        self.config = work / "serve.yaml"
        self.unreachable = f"http://127.0.0.1:{free_port()}/metadata"  # nothing listens there
        self.upstream = free_port()  # nothing needs it: the checks stay on sign-in and SCIM

    def write(self, metadata_url=None):
        sha = lambda token: hashlib.sha256(token.encode()).hexdigest()  # noqa: E731
        tenants = (
            (f"  - id: acme\n    email_domains: [acme.com]\n    idp_metadata_url: {metadata_url}\n"
             f"    scim_token_sha256: [\"{sha(self.token)}\"]\n    scim_adopt_existing: true\n" if metadata_url else "")
            + f"  - id: beta\n    email_domains: [beta.example]\n    idp_metadata_url: {self.unreachable}\n"
            f"    scim_token_sha256: [\"{sha(self.beta_token)}\"]\n"
        )
        temporary = self.config.with_suffix(".tmp")
        temporary.write_text(base_config(self.work, self.url, self.port, self.admin, self.upstream, tenants))
        temporary.replace(self.config)  # whole, so the watcher never reads half a file

    def scim(self, method, path, body=None, token=None):
        headers = {"Authorization": f"Bearer {token or self.token}", "Content-Type": "application/scim+json"}
        status, _, answer = request(f"{self.url}/scim/v2/acme{path}", method, json.dumps(body) if isinstance(body, dict) else body, headers)
        try:
            return status, json.loads(answer) if answer else {}
        except ValueError:
            return status, {"raw": answer}


def okta_user(email, role):
    return {"schemas": [CORE_USER], "userName": email, "active": True, "name": {"givenName": "A", "familyName": "B"},
            "emails": [{"primary": True, "type": "work", "value": email}], "role": role}


def entra_user(email, role):
    return {"schemas": [CORE_USER], "externalId": "ext-" + email.split("@")[0], "userName": email, "active": True,
            "emails": [{"type": "work", "value": email}],
            "roles": [{"primary": "True", "type": "WindowsAzureActiveDirectoryRole", "value": role}]}


def sign_in(gh, attributes, nameid, pending_cookie=None, audience=None):
    """SP-initiated sign-in at the bookmark URL, answered by a signed response with these
    attributes ([(name, value)]). Returns (status, headers, body) of the ACS POST."""
    status, headers, _ = request(f"{gh.url}/sso/saml/acme/login")
    if status != 302:
        return status, headers, "bookmark did not redirect"
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(headers["Location"]).query)
    authn = zlib.decompress(base64.b64decode(query["SAMLRequest"][0]), -15).decode()
    request_id = re.search(r' ID="([^"]+)"', authn).group(1)
    cookie = http.cookies.SimpleCookie()
    for value in headers.get_all("Set-Cookie"):
        cookie.load(value)
    pending = pending_cookie if pending_cookie is not None else f"gatehouse_pending={cookie['gatehouse_pending'].value}"
    acs, now = f"{gh.url}/sso/saml/acme/acs", time.time()

    def stamp(seconds):
        return time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(seconds))

    values = dict(generate.GOOD, destination=acs, recipient=acs, audience=audience or f"{gh.url}/sso/saml/acme/metadata",
                  in_response_to=request_id, not_before=stamp(now - 60), not_on_or_after=stamp(now + 300), nameid=nameid, email="")
    response = generate.TEMPLATE.format(**values)
    statement = "".join(
        f'<saml2:Attribute Name="{name}" NameFormat="urn:oasis:names:tc:SAML:2.0:attrname-format:unspecified">'
        f"<saml2:AttributeValue>{value}</saml2:AttributeValue></saml2:Attribute>" for name, value in attributes)
    response = re.sub(r"<saml2:AttributeStatement>.*</saml2:AttributeStatement>",
                      f"<saml2:AttributeStatement>{statement}</saml2:AttributeStatement>" if attributes else "", response)
    response = response.replace('SessionNotOnOrAfter="2026-11-29T20:00:00.000Z"', f'SessionNotOnOrAfter="{stamp(now + 3600)}"')
    response = response.replace('IssueInstant="2026-11-29T12:00:00.000Z"', f'IssueInstant="{stamp(now)}"')
    assertion_id = "id-" + uuid.uuid4().hex
    response = response.replace('ID="id-assertion-1"', f'ID="{assertion_id}"')
    root = generate.etree.fromstring(response.encode())
    assertion = root.find(generate.A + "Assertion")
    signed = generate.okta_signer().sign(assertion, key=(FIXTURES / "idp.key").read_bytes(), cert=(FIXTURES / "idp.crt").read_bytes(),
                                         reference_uri=assertion_id)
    root.replace(assertion, signed)
    form = urllib.parse.urlencode({"SAMLResponse": base64.b64encode(generate.etree.tostring(root)).decode(), "RelayState": request_id})
    return request(acs, "POST", form, {"Content-Type": "application/x-www-form-urlencoded", "Cookie": pending})


def page_title(body):
    match = re.search(r"<title>(.*?)</title>", body)
    return match.group(1).replace("&#39;", "'") if match else None


def check_served(gh, okta, entra):
    gh.write()
    process = subprocess.Popen([GATEHOUSE, "serve", "--config", str(gh.config)], stdout=open(gh.work / "serve.log", "w"),
                               stderr=subprocess.STDOUT)
    metadata = http.server.ThreadingHTTPServer(("127.0.0.1", 0), MetadataServer)
    threading.Thread(target=metadata.serve_forever, daemon=True).start()
    try:
        wait_for(f"http://127.0.0.1:{gh.admin}/readyz")
        guides = {"okta.md": okta, "entra-id.md": entra}
        # A tenant whose metadata cannot be fetched: "Sign-in is not available".
        status, _, body = request(f"{gh.url}/sso/saml/beta/login")
        troubleshooting = table_after(okta, r"the person sees")
        titles = {row[0].strip('"') for row in troubleshooting or []}
        check(status == 503 and page_title(body) in titles, "without usable metadata the bookmark shows a page the guide explains",
              f"{status} {page_title(body)}")
        # The operator adds the tenant with the Metadata URL; no restart.
        gh.write(f"http://127.0.0.1:{metadata.server_address[1]}/metadata")
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and request(f"{gh.url}/sso/saml/acme/login")[0] != 302:
            time.sleep(0.1)  # polling for the reload (the file is checked every 2 s)
        if not check(request(f"{gh.url}/sso/saml/acme/login")[0] == 302 and process.poll() is None,
                     "a new idp_metadata_url takes effect without a restart (guides: no restart)"):
            print("\n".join(l for l in (gh.work / "serve.log").read_text().splitlines() if "sign-in refused" not in l and '"msg":"request"' not in l)[-4000:])
        check_scim_roles(gh, okta, entra)
        check_attributes(gh, okta, entra, titles)
        check_paths(gh, guides)
        check_entra_shapes(gh, entra)
        for name, guide in guides.items():
            check_commands(name, guide, gh.work, gh.config)
    finally:
        metadata.shutdown()
        stop(process, timeout=30)


def check_scim_roles(gh, okta, entra):
    status, schemas = gh.scim("GET", "/Schemas")
    core = next((s for s in schemas.get("Resources", []) if s.get("id") == CORE_USER), {})
    role = next((a for a in core.get("attributes", []) if a.get("name") == "role"), None)
    check(role is not None, f"/Schemas declares `role` in {CORE_USER} (the guide's External namespace)")
    check("External namespace**: `" + CORE_USER + "`" in okta, "okta.md: External namespace is the core User schema")
    check("External name**: `role`" in okta and "Variable name**: `role`" in okta, "okta.md: external and variable name `role`")
    for name, guide in (("okta.md", okta), ("entra-id.md", entra)):
        rows = table_after(guide, r"\| Display name \| Value \|")
        values = [ticks(row[1])[0] for row in rows or []]
        check(role is not None and values == role.get("canonicalValues"), f"{name}: the six role values are /Schemas' canonical values",
              f"guide {values} vs {role and role.get('canonicalValues')}")
    check(role is not None and role.get("required") is True and role.get("type") == "string",
          "/Schemas: role is a required string (okta.md: data type string, Attribute required)")
    values = [ticks(row[1])[0] for row in table_after(okta, r"\| Display name \| Value \|") or []]
    for value in values:
        status, user = gh.scim("POST", "/Users", okta_user(f"{value.lower()}@acme.com", value))
        check(status == 201 and user.get("role") == value, f"Okta's create with role {value} is accepted", f"{status} {user}")
    status, error = gh.scim("POST", "/Users", okta_user("boss@acme.com", "Admin"))
    check(status == 400 and error.get("scimType") == "invalidValue", "a role outside the list is 400 invalidValue (troubleshooting)")
    status, error = gh.scim("POST", "/Users", {k: v for k, v in okta_user("norole@acme.com", "x").items() if k != "role"})
    check(status == 400 and error.get("scimType") == "invalidValue", "a user without a role is 400 invalidValue (troubleshooting)")


def check_attributes(gh, okta, entra, titles):
    rows = table_after(okta, r"\| Name \| Name format \| Value \|")
    names = {ticks(row[2])[0]: ticks(row[0])[0] for row in rows or []}
    id_name, email_name = names.get("user.id"), names.get("user.email")
    check(bool(id_name and email_name), "okta.md: attribute statements for user.id and user.email", str(names))
    check(f"`{email_name}` (`user.mail`)" in entra and "Name** `id`" in entra, "entra-id.md: the same email claim and `id` claim")
    status, _ = gh.scim("POST", "/Users", okta_user("carol@acme.com", "ANALYST"))
    check(status == 201, "carol@acme.com provisioned")
    # The email comes from the guide's attribute (the NameID is no email here).
    status, headers, body = sign_in(gh, [(id_name, "00u1carol"), (email_name, "carol@acme.com")], "00u1carol")
    check(status == 303 and "gatehouse_session=" in " ".join(headers.get_all("Set-Cookie") or []),
          "a sign-in with okta.md's attribute statements succeeds (email read from the guide's attribute name)", f"{status} {page_title(body)}")
    # Gatehouse reads the guide's `id`: a tab in it is refused, the same value under another name is not.
    status, _, body = sign_in(gh, [(id_name, "00u1\tcarol"), (email_name, "carol@acme.com")], "00u1carol")
    check(status == 400 and page_title(body) in titles, f"Gatehouse reads the attribute `{id_name}` (a control character in it is refused)",
          f"{status} {page_title(body)}")
    status, _, _ = sign_in(gh, [("not-" + id_name, "00u1\tcarol"), (email_name, "carol@acme.com")], "00u1carol")
    check(status == 303, "another attribute name is not read as the id")
    # Entra: no `id` claim; and no email claim at all (NameID = UPN is the email).
    check(sign_in(gh, [(email_name, "carol@acme.com")], "carol-upn@acme.com")[0] == 303, "entra-id.md: without `id` sign-in works")
    check(sign_in(gh, [], "carol@acme.com")[0] == 303, "entra-id.md: without the email claim the Name ID is the email")
    # Problem pages the troubleshooting table explains.
    status, _, body = sign_in(gh, [(email_name, "nobody@acme.com")], "nobody@acme.com")
    check(status == 403 and page_title(body) in titles and "Your account is not set up here" in okta + entra,
          "an unprovisioned person sees the page the guides quote", f"{status} {page_title(body)}")
    _, found = gh.scim("GET", "/Users?filter=" + urllib.parse.quote('userName eq "carol@acme.com"'))
    carol = found["Resources"][0]["id"]
    gh.scim("PATCH", f"/Users/{carol}", {"schemas": [PATCH_OP], "Operations": [{"op": "replace", "path": "active", "value": False}]})
    status, _, body = sign_in(gh, [(email_name, "carol@acme.com")], "carol@acme.com")
    check(status == 403 and page_title(body) in titles, "a deactivated person sees a page the guide explains", f"{status} {page_title(body)}")
    status, _, body = sign_in(gh, [(email_name, "analyst@acme.com")], "analyst@acme.com", audience="https://wrong.example.com/")
    check(status == 400 and page_title(body) in titles, "a refused response shows a page the guide explains", f"{status} {page_title(body)}")
    status, _, body = sign_in(gh, [(email_name, "analyst@acme.com")], "analyst@acme.com", pending_cookie="gatehouse_pending=x")
    check(status == 400 and page_title(body) in titles, "an expired sign-in shows a page the guide explains", f"{status} {page_title(body)}")
    # Every problem page the product has is in the table (a new one makes the guide stale).
    source = ROOT / "Sources" / "GatehouseServer" / "SignIn" / "SignInPages.swift"
    if source.exists():
        product = set(re.findall(r'case \.\w+: return "([^"]+)"', source.read_text().split("var title")[1].split("var message")[0]))
        unexplained = product - titles - {"No organisation for this email domain"}  # shown on the form instead
        check(not unexplained, "okta.md: troubleshooting explains every sign-in problem page", str(unexplained))
    # The unknown-domain message on the form.
    status, headers, form = request(f"{gh.url}/sso/login")
    csrf = re.search(r'name="csrf" value="([^"]+)"', form).group(1)
    cookie = "; ".join(c.split(";")[0] for c in headers.get_all("Set-Cookie"))
    status, _, body = request(f"{gh.url}/sso/login", "POST", urllib.parse.urlencode({"email": "ann@acme.org", "csrf": csrf, "return_to": "/"}),
                              {"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie})
    quoted = re.search(r'"(No organisation uses acme\.org to sign in here)"', okta)
    check(bool(quoted) and quoted.group(1) in body, "an unknown domain shows the message okta.md quotes", body[-300:])
    check('name="email"' in form and "Work email" in form and ">Continue<" in form,
          "the sign-in page asks for the work email with a Continue button (login process)")


def check_paths(gh, guides):
    paths = set()
    for guide in guides.values():
        for url in re.findall(r"https://dash\.example\.com(/[^\s`)|\";,]*)", guide):
            paths.add(url)
    check(len(paths) >= 5, "the guides name Gatehouse URLs", str(paths))
    auth = {"Authorization": f"Bearer {gh.token}"}
    for path in sorted(paths):
        split = urllib.parse.urlsplit(path)
        target = split.path.rstrip("/")
        if target == "/scim/v2/acme":  # a base URL: the SCIM client appends resource paths
            target += "/Users"
        target += f"?{split.query}" if split.query else ""
        statuses = {method: request(gh.url + target, method, "" if method == "POST" else None, auth)[0] for method in ("GET", "POST")}
        check(any(status not in (404, 405) for status in statuses.values()), f"{path} is served", str(statuses))
    check(request(gh.url + "/sso/saml/nope/login")[0] == 404, "(a path no tenant has is 404, so the check above can fail)")


def check_entra_shapes(gh, entra):
    status, user = gh.scim("POST", "/Users", entra_user("ann@acme.com", "ANALYST"))
    check(status == 201 and user.get("role") == "ANALYST" and user["roles"][0]["primary"] is True,
          "Entra's create: the role from roles (primary \"True\")", f"{status} {user}")
    ann = user.get("id")
    patch = lambda *ops: gh.scim("PATCH", f"/Users/{ann}", {"schemas": [PATCH_OP], "Operations": list(ops)})  # noqa: E731
    status, user = patch({"op": "Replace", "path": "active", "value": "False"})
    check(status == 200 and user.get("active") is False, "Entra's PATCH with a capitalised op and \"False\" deactivates")
    status, user = patch({"op": "Replace", "path": "active", "value": "True"})
    check(status == 200 and user.get("active") is True, "and \"True\" reactivates")
    status, found = gh.scim("GET", "/Users?filter=" + urllib.parse.quote('externalId eq "ext-ann"'))
    check(status == 200 and found.get("totalResults") == 1, "Entra's lookup by externalId")
    status, found = gh.scim("GET", "/Users?filter=emails%5Btype+eq+%22work%22%5D.value+eq+%22ANN%40acme.com%22")
    check(status == 200 and found.get("totalResults") == 1, "Entra's lookup by work email, spaces as +")
    status, found = gh.scim("GET", "/Users?aadOptscim062020&filter=" + urllib.parse.quote('userName eq "ann@acme.com"'))
    check(status == 200 and found.get("totalResults") == 1, "the aadOptscim062020 query parameter is ignored")
    status, user = patch({"op": "Replace", "value": {"name.givenName": "Ann", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department": "Sales"}},
                         {"op": "Add", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager", "value": ann})
    ext = user.get("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User", {})
    check(status == 200 and user.get("name", {}).get("givenName") == "Ann" and ext.get("department") == "Sales"
          and ext.get("manager") == {"value": ann}, "Entra's path-less PATCH with dotted and URN keys, manager as a string", str(user))
    status, group = gh.scim("POST", "/Groups", {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "G",
                                                "members": [{"value": ann}]})
    status, group = gh.scim("PATCH", f"/Groups/{group.get('id')}", {"schemas": [PATCH_OP], "Operations": [
        {"op": "Remove", "path": "members", "value": [{"value": ann}]}]})
    check(status == 200 and not group.get("members"), "Entra's member removal by a value list")
    status, _ = gh.scim("GET", "/Users", token=gh.beta_token)
    check(status == 404, "another tenant's token gets 404 (entra-id.md troubleshooting)")
    status, _ = gh.scim("GET", "/Users", token="wrong")
    check(status == 401, "a wrong token gets 401 (entra-id.md troubleshooting)")
    # Role changes: `role`, the whole `roles` list and Entra's filtered path all apply; a role
    # that is none of the six is refused and the role stays.
    status, user = patch({"op": "Replace", "path": "roles", "value": [{"primary": "True", "type": "WindowsAzureActiveDirectoryRole", "value": "MANAGER"}]})
    check(status == 200 and user.get("role") == "MANAGER", "a role change by replacing roles applies")
    status, user = patch({"op": "Add", "path": 'roles[primary eq "True"].value', "value": "DEVELOPER"})
    check(status == 200 and user.get("role") == "DEVELOPER" and len(user.get("roles", [])) == 1,
          "Entra's role change, roles[primary eq \"True\"].value, applies (entra-id.md)", str(user))
    status, user = patch({"op": "Replace", "path": 'roles[primary eq "True"].value', "value": "Reader"})
    status_after, after = gh.scim("GET", f"/Users/{ann}")
    check(status == 400 and user.get("scimType") == "invalidValue" and after.get("role") == "DEVELOPER",
          "a role that is none of the six is refused with invalidValue and the role stays (entra-id.md)", str(user))
    check("(known gap)" not in entra, "entra-id.md documents no role known gap")
    check(f'`roles[primary eq "True"].value`' in entra and "SingleAppRoleAssignment([appRoleAssignments])" in entra,
          "entra-id.md: the role mapping names Entra's target attribute and expression")


def main():
    okta, entra = text(OKTA), text(ENTRA)
    guides = {"okta.md": okta, "entra-id.md": entra}
    with tempfile.TemporaryDirectory(prefix="guides-test-") as directory:
        work = pathlib.Path(directory)
        check_tenant_init(work, guides)
        check_config_keys(guides, work)
        check_okta_order(okta)
        check_served(Gatehouse(work), okta, entra)
    if failures:
        print(f"{len(failures)} guide check(s) failed", file=sys.stderr)
        sys.exit(1)
    print("guides match the product")


if __name__ == "__main__":
    main()
