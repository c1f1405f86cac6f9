"""docs/identity-contract.md and examples/verify-jwt/ against a running Gatehouse (issue 13).

Starts the demo upstream, `gatehouse dev-idp` and `gatehouse serve` on free 127.0.0.1 ports (SQLite
in a temporary folder, a JWT key and a "previous" key of our own), signs in through the dev IdP's
form, requests a page through Gatehouse with forged identity headers in several spellings and reads
what the upstream received (the demo upstream echoes its request headers as JSON). Then:
- the header names and JWT claims the doc lists are exactly what the upstream received, the forged
  copies never arrived, and the doc's JWT facts hold (ES256, kid, 60 s, iss/aud = public_url,
  /sso/jwks.json publishing the previous key too);
- each snippet (Python, Go, Node) accepts the real token (exit 0, claims = the headers), also from
  GATEHOUSE_JWT and signed by the previous key, and refuses (exit 1, with the reason) a tampered
  payload, a wrong audience or issuer, a time past exp (--at), a token that really expired, alg
  none, an unknown kid and a token signed by a key that is not published.
BIN names the folder holding `gatehouse` and `demo-upstream` (default .build/debug)."""
import base64
import hashlib
import html
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tests", "python"))
from local_servers import free_port, wait_for  # noqa: E402

BIN = os.environ.get("BIN", os.path.join(ROOT, ".build", "debug"))
DOC = os.path.join(ROOT, "docs", "identity-contract.md")
EXAMPLES = os.path.join(ROOT, "examples", "verify-jwt")
failures = []


def check(condition, what):
    print(("ok    " if condition else "FAIL  ") + what)
    if not condition:
        failures.append(what)
    return condition


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


OPENER = urllib.request.build_opener(NoRedirect)


def request(url, headers=None, data=None):
    """(status, headers, body text); redirects are answers, not followed."""
    req = urllib.request.Request(url, data=data, headers=headers or {})
    try:
        response = OPENER.open(req, timeout=10)
    except urllib.error.HTTPError as error:
        response = error
    return response.status, response.headers, response.read().decode()


def form_field(name, page):
    found = re.search(r'name="%s" value="([^"]*)"' % re.escape(name), page)
    if not found:
        raise RuntimeError(f"no field {name} in {page[:500]}")
    return html.unescape(found.group(1))


def sign_in(gatehouse, idp, email, role):
    """The dev IdP's form flow (as bench/postgres-bench.sh does with curl): the session cookie."""
    status, headers, _ = request(f"{gatehouse}/sso/saml/dev/login")
    assert status == 302, status
    pending = headers["Set-Cookie"].split(";")[0]
    _, _, page = request(headers["Location"])
    form = {"email": email, "role": role, "in_response_to": form_field("in_response_to", page),
            "relay_state": form_field("relay_state", page)}
    _, _, answer = request(f"{idp}/sso", data=urllib.parse.urlencode(form).encode())
    form = {"SAMLResponse": form_field("SAMLResponse", answer), "RelayState": form_field("RelayState", answer)}
    status, headers, body = request(f"{gatehouse}/sso/saml/dev/acs", headers={"Cookie": pending},
                                    data=urllib.parse.urlencode(form).encode())
    cookies = [c.split(";")[0] for c in headers.get_all("Set-Cookie") or [] if c.startswith("gatehouse_session=")]
    if status != 303 or not cookies:
        raise RuntimeError(f"sign-in failed: {status} {body[:300]}")
    return cookies[0]


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_json(value):
    return b64url(json.dumps(value, separators=(",", ":")).encode())


def unb64url(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def key_id(private_key):
    """Gatehouse's kid: the first 16 base64url characters of the SHA-256 of the public key's DER."""
    der = private_key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return b64url(hashlib.sha256(der).digest())[:16]


def es256(private_key, header, claims):
    signing_input = f"{b64url_json(header)}.{b64url_json(claims)}"
    r, s = decode_dss_signature(private_key.sign(signing_input.encode(), ec.ECDSA(hashes.SHA256())))
    return signing_input + "." + b64url(r.to_bytes(32, "big") + s.to_bytes(32, "big"))


def pem(private_key):
    return private_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                     serialization.NoEncryption())


def doc_table_codes(text, heading):
    """The first backticked word of each table row in the section under `heading`."""
    section = text.split(heading, 1)[1]
    section = re.split(r"\n#{1,3} ", section, maxsplit=1)[0]
    return [m.group(1) for m in re.finditer(r"^\|\s*`([^`]+)`", section, re.M)]


class Snippet:
    def __init__(self, name, command, cwd, env=None):
        self.name, self.command, self.cwd, self.env = name, command, cwd, env or {}

    def run(self, token, jwks, issuer, audience, at=None, token_in_env=False):
        flags = {"jwks": jwks, "issuer": issuer, "audience": audience}
        if at is not None:
            flags["at"] = str(at)
        dash = "-" if self.name == "go" else "--"
        args = list(self.command)
        for key, value in flags.items():
            args += [f"{dash}{key}", value]
        env = dict(os.environ, **self.env)
        env.pop("GATEHOUSE_JWT", None)
        if token_in_env:
            env["GATEHOUSE_JWT"] = token
        else:
            args.append(token)
        done = subprocess.run(args, cwd=self.cwd, env=env, capture_output=True, text=True, timeout=180)
        return done.returncode, done.stdout, done.stderr


def main():
    for tool in ("go", "node"):
        if not shutil.which(tool):
            print(f"FAIL  {tool} is not installed (make test installs golang-go and node)")
            return 1
    work = tempfile.mkdtemp(prefix="identity-contract-")
    processes = []

    def start(args, name):
        log = open(os.path.join(work, name + ".log"), "w")
        processes.append(subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT))

    try:
        upstream_port, port, admin_port, idp_port = free_port(), free_port(), free_port(), free_port()
        origin = f"http://127.0.0.1:{port}"
        idp = f"http://127.0.0.1:{idp_port}"
        current_key, previous_key, stray_key = (ec.generate_private_key(ec.SECP256R1()) for _ in range(3))
        for name, key in (("jwt.pem", current_key), ("jwt-previous.pem", previous_key)):
            with open(os.path.join(work, name), "wb") as out:
                out.write(pem(key))
        config = os.path.join(work, "gatehouse.yaml")
        with open(config, "w") as out:
            out.write(f"""listen: 127.0.0.1:{port}
admin_listen: 127.0.0.1:{admin_port}
public_url: {origin}
upstream: http://127.0.0.1:{upstream_port}
store: sqlite:{work}/gatehouse.db
public_paths: ["^/public/"]
jwt:
  key_file: {work}/jwt.pem
  previous_key_file: {work}/jwt-previous.pem
tenants:
  - id: dev
    email_domains: [dev.example]
    idp_metadata_url: {idp}/metadata
    role_attribute: role
""")
        start([os.path.join(BIN, "demo-upstream"), str(upstream_port)], "upstream")
        start([os.path.join(BIN, "gatehouse"), "dev-idp", "--listen", f"127.0.0.1:{idp_port}", "--gatehouse", origin,
               "--tenant", "dev"], "dev-idp")
        wait_for(f"{idp}/metadata")
        start([os.path.join(BIN, "gatehouse"), "serve", "--config", config], "gatehouse")
        wait_for(f"http://127.0.0.1:{admin_port}/readyz")
        wait_for(f"http://127.0.0.1:{upstream_port}/bench")

        session = sign_in(origin, idp, "ada@dev.example", "SUPPORT_SPECIALIST")
        forged = {"X-Forwarded-User": "forged", "x_forwarded_email": "boss@dev.example", "X-FORWARDED-ROLE": "ADMINISTRATOR",
                  "x-forwarded_tenant": "other", "X_Gatehouse_Jwt_Assertion": "forged.jwt.x",
                  # from an untrusted peer these are replaced too
                  "X-Forwarded-For": "6.6.6.6", "X-Forwarded-Proto": "https", "X-Forwarded-Host": "evil.example"}
        status, _, body = request(f"{origin}/contract?x=1", headers={"Cookie": session, "Accept": "application/json", **forged})
        check(status == 200, f"a signed-in page through Gatehouse answers 200 (got {status})")
        received = json.loads(body)["headers"]
        by_name = {}
        for name, value in received:
            by_name.setdefault(name.lower().replace("_", "-"), []).append(value)
        identity = {name: value for name, value in received if name.lower().startswith(("x-forwarded-", "x-gatehouse-"))}
        print("upstream received:", json.dumps(identity, indent=1))

        status, _, body = request(f"{origin}/public/page", headers={"Cookie": session, "Accept": "application/json", **forged})
        public = [name for name, _ in json.loads(body)["headers"]
                  if name.lower().replace("_", "-") in ("x-forwarded-user", "x-forwarded-email", "x-forwarded-role",
                                                        "x-forwarded-tenant", "x-gatehouse-jwt-assertion")]
        check(status == 200 and public == [], f"a public path gets no identity headers, signed in or not, forged or not ({public})")

        # --- the doc against what the upstream received
        with open(DOC) as handle:
            doc = handle.read()
        doc_headers = doc_table_codes(doc, "## Headers Gatehouse sends")
        identity_names = {"X-Forwarded-User", "X-Forwarded-Email", "X-Forwarded-Role", "X-Forwarded-Tenant",
                          "X-Gatehouse-Jwt-Assertion"}
        listed_identity = [n for n in doc_headers if n not in ("X-Forwarded-For", "X-Forwarded-Proto", "X-Forwarded-Host")]
        sent_identity = {name for name, _ in received
                         if name.lower().replace("_", "-") in {n.lower() for n in identity_names}}
        check(set(listed_identity) == sent_identity == identity_names,
              f"the doc's identity headers {sorted(listed_identity)} are exactly those the upstream got {sorted(sent_identity)}")
        for name in doc_headers:
            check(len(by_name.get(name.lower(), [])) == 1, f"{name} arrived exactly once")
        check(not any(n != n.replace("_", "-") for n, _ in received if "forwarded" in n.lower() or "gatehouse" in n.lower()),
              "no underscore spelling of an identity or forwarding header reached the upstream")
        check(all(v not in ("forged", "boss@dev.example", "ADMINISTRATOR", "other", "forged.jwt.x", "https", "evil.example")
                  and "6.6.6.6" not in v
                  for values in by_name.values() for v in values), "no forged identity value reached the upstream")
        user, email = by_name["x-forwarded-user"][0], by_name["x-forwarded-email"][0]
        role, tenant = by_name["x-forwarded-role"][0], by_name["x-forwarded-tenant"][0]
        token = by_name["x-gatehouse-jwt-assertion"][0]
        check(email == "ada@dev.example" and role == "SUPPORT_SPECIALIST" and tenant == "dev", "email, role and tenant are the signed-in person's")
        check(re.fullmatch(r"[0-9a-f-]{36}", user) is not None, f"X-Forwarded-User is Gatehouse's user id, not the email ({user})")
        check(by_name["x-forwarded-for"] == ["127.0.0.1"] and by_name["x-forwarded-proto"] == ["http"]
              and by_name["x-forwarded-host"] == [f"127.0.0.1:{port}"],
              "X-Forwarded-For/Proto/Host are the peer, http and the Host header, as the doc says")
        roles_in_doc = set(re.findall(r"`(ADMINISTRATOR|MANAGER|DEVELOPER|DESIGNER|SUPPORT_SPECIALIST|ANALYST)`", doc))
        check(len(roles_in_doc) == 6, "the doc lists all six roles")

        header = json.loads(unb64url(token.split(".")[0]))
        claims = json.loads(unb64url(token.split(".")[1]))
        doc_claims = doc_table_codes(doc, "### Claims")
        check(sorted(doc_claims) == sorted(claims), f"the doc's claims {sorted(doc_claims)} are the token's {sorted(claims)}")
        check(header.get("alg") == "ES256" and header.get("kid") == key_id(current_key),
              f"the JWT is ES256 with kid = the doc's key-id rule for jwt.key_file ({header})")
        check(claims["sub"] == user and claims["email"] == email and claims["role"] == role and claims["tenant"] == tenant,
              "sub, email, role, tenant equal the headers")
        check(claims["iss"] == origin and claims["aud"] == origin, "iss and aud are public_url")
        check(type(claims["iat"]) is int and type(claims["exp"]) is int, f"iat and exp are whole seconds (iat {claims['iat']!r})")
        check(claims["exp"] - claims["iat"] == 60, f"the JWT lives 60 s (exp - iat = {claims['exp'] - claims['iat']})")
        check(abs(claims["iat"] - time.time()) < 30, "iat is now")
        status, headers, jwks_body = request(f"{origin}/sso/jwks.json")
        kids = [key["kid"] for key in json.loads(jwks_body)["keys"]]
        check(status == 200 and kids == [key_id(current_key), key_id(previous_key)],
              f"/sso/jwks.json publishes the current key and jwt.previous_key_file's ({kids})")
        check("max-age=300" in (headers.get("Cache-Control") or ""), f"the JWKS is cacheable for 5 minutes ({headers.get('Cache-Control')})")
        for fact in ("ES256", "kid", "60 s", "/sso/jwks.json", "jwt.previous_key_file", "jwt.issuer", "jwt.audience",
                     "identity_headers.", "127.0.0.1", "max-age=300"):
            check(fact in doc, f"the doc states {fact!r}")

        # --- the snippets against the live token and JWKS
        jwks = f"{origin}/sso/jwks.json"
        now = time.time()
        old = es256(previous_key, {"alg": "ES256", "kid": key_id(previous_key), "typ": "JWT"}, dict(claims, iat=now, exp=now + 60))
        expired = es256(current_key, header, dict(claims, iat=now - 120, exp=now - 60))
        future = es256(current_key, header, dict(claims, iat=now + 120, exp=now + 180))
        tampered = token.split(".")
        tampered[1] = b64url_json(dict(claims, role="ADMINISTRATOR"))
        unsigned = f"{b64url_json({'alg': 'none', 'kid': header['kid']})}.{token.split('.')[1]}."
        hs256 = f"{b64url_json({'alg': 'HS256', 'kid': header['kid']})}.{token.split('.')[1]}.{token.split('.')[2]}"
        unknown_kid = es256(stray_key, {"alg": "ES256", "kid": key_id(stray_key)}, claims)
        stray = es256(stray_key, header, claims)  # claims the current kid, signed by another key
        gocache = os.path.join(work, "gocache")
        snippets = [
            Snippet("python", [sys.executable, "verify_jwt.py"], os.path.join(EXAMPLES, "python")),
            # GOPROXY=off: it must build with the standard library alone, offline.
            Snippet("go", ["go", "run", "main.go"], os.path.join(EXAMPLES, "go"),
                    {"GOPROXY": "off", "GOFLAGS": "", "GOCACHE": gocache, "GOPATH": os.path.join(work, "gopath")}),
            Snippet("node", ["node", "verify-jwt.mjs"], os.path.join(EXAMPLES, "node")),
        ]
        cases = [
            ("the live token", token, {}, None),
            ("the live token from GATEHOUSE_JWT", token, {"token_in_env": True}, None),
            ("a token signed by the previous key", old, {}, None),
            ("a tampered payload (role)", ".".join(tampered), {}, "signature"),
            ("a wrong audience", token, {"audience": "https://other.example"}, "aud"),
            ("a wrong issuer", token, {"issuer": "https://other.example"}, "iss"),
            ("the live token checked after exp (--at)", token, {"at": int(claims["exp"]) + 60}, "expired"),
            ("a token that expired a minute ago", expired, {}, "expired"),
            ("a token issued in the future", future, {}, "future"),
            ("alg none", unsigned, {}, "alg"),
            ("alg HS256", hs256, {}, "alg"),
            ("an unknown kid", unknown_kid, {}, "kid"),
            ("a key that is not published, under the current kid", stray, {}, "signature"),
        ]
        for snippet in snippets:
            for label, candidate, options, reason in cases:
                options = dict(options)
                rc, out, err = snippet.run(candidate, jwks, options.pop("issuer", origin), options.pop("audience", origin), **options)
                if reason is None:
                    ok = rc == 0
                    if ok:
                        printed = json.loads(out)
                        expected = json.loads(unb64url(candidate.split(".")[1]))
                        ok = printed == expected and printed["sub"] == user and printed["role"] == role
                    check(ok, f"{snippet.name}: accepts {label}, prints its claims (rc {rc}) {err.strip()[:200]}")
                else:
                    check(rc == 1 and reason in err.lower() and out.strip() == "",
                          f"{snippet.name}: refuses {label}: exit 1, says {reason!r} (rc {rc}: {err.strip()[:160]})")
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
        if failures:
            for name in ("gatehouse", "dev-idp", "upstream"):
                path = os.path.join(work, name + ".log")
                if os.path.exists(path):
                    print(f"--- {name}.log (tail)")
                    print("".join(open(path).readlines()[-15:]))
        shutil.rmtree(work, ignore_errors=True)
    if failures:
        print(f"{len(failures)} check(s) failed")
        return 1
    print("identity contract: all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
