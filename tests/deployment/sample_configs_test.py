"""examples/configs/*.yaml (Okta, Entra ID, a generic SAML IdP) pass `gatehouse check-config`.
check-config reads the files a configuration names (secrets, keys, certificates, SCIM token
hashes), so each one is materialised as a working dummy in a temporary folder and the paths are
rewritten in a copy. It does not fetch metadata URLs (checked below with a listener that records
connections), so the IdPs' URLs need not be reachable. Copies with an unknown key or a broken
value must be refused, so this test can fail. BIN names the folder with gatehouse (default
.build/debug). Exits non-zero on any failure."""
import base64
import datetime
import hashlib
import os
import re
import secrets
import socket
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

import yaml
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

ROOT = Path(__file__).resolve().parents[2]
CONFIGS = ROOT / "examples" / "configs"
BIN = Path(os.environ.get("BIN", ROOT / ".build" / "debug"))
SAMPLES = ["okta.yaml", "entra.yaml", "generic-saml.yaml"]
METADATA_URL_SHAPES = {
    "okta.yaml": r"^https://[a-z0-9-]+\.okta\.com/app/[A-Za-z0-9]+/sso/saml/metadata$",
    "entra.yaml": r"^https://login\.microsoftonline\.com/[0-9a-f-]{36}/federationmetadata/2007-06/federationmetadata\.xml\?appid=[0-9a-f-]{36}$",
}

failures = []


def check(condition, what, detail=""):
    print(("ok   " if condition else "FAIL ") + what + ("" if condition else f"  ({detail})"))
    if not condition:
        failures.append(what)
    return condition


def check_config(path):
    run = subprocess.run([str(BIN / "gatehouse"), "check-config", "--config", str(path)], capture_output=True, text=True, timeout=60)
    return run.returncode, run.stdout + run.stderr


class Dummies:
    """One RSA key and certificate, one P-256 key, made once; files written on demand."""

    def __init__(self):
        self.rsa = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "gatehouse sample-config test")])
        now = datetime.datetime.now(datetime.timezone.utc)
        self.cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(self.rsa.public_key())
                     .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(days=1))
                     .not_valid_after(now + datetime.timedelta(days=365)).sign(self.rsa, hashes.SHA256()))
        self.ec = ec.generate_private_key(ec.SECP256R1())

    def write(self, kind, path, entity_id=None):
        path.parent.mkdir(parents=True, exist_ok=True)
        pem_cert = self.cert.public_bytes(serialization.Encoding.PEM)
        if kind == "secret":
            path.write_text(base64.b64encode(secrets.token_bytes(48)).decode() + "\n")
        elif kind == "password":
            path.write_text("not-a-real-password\n")
        elif kind == "rsa_key":
            path.write_bytes(self.rsa.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                    serialization.NoEncryption()))
        elif kind == "ec_key":
            path.write_bytes(self.ec.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                   serialization.NoEncryption()))
        elif kind == "cert":
            path.write_bytes(pem_cert)
        elif kind == "token_hashes":
            path.write_text("# SHA-256 of each SCIM bearer token\n" + hashlib.sha256(b"sample token").hexdigest() + "\n")
        elif kind == "metadata":
            der = base64.b64encode(self.cert.public_bytes(serialization.Encoding.DER)).decode()
            path.write_text(f"""<?xml version="1.0"?>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="{entity_id}">
  <md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    <md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>{der}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://idp.example/sso"/>
  </md:IDPSSODescriptor>
</md:EntityDescriptor>
""")
        else:
            raise ValueError(kind)


FILE_KINDS = {
    ("session", "secret_file"): "secret",
    ("sp", "key_file"): "rsa_key", ("sp", "next_key_file"): "rsa_key",
    ("sp", "cert_file"): "cert", ("sp", "next_cert_file"): "cert",
    ("jwt", "key_file"): "ec_key", ("jwt", "previous_key_file"): "ec_key",
    (None, "store_password_file"): "password",
    ("tenants", "scim_token_sha256_file"): "token_hashes",
    ("tenants", "idp_metadata_file"): "metadata",
}


def named_files(config):
    """(absolute path, kind, entity id) for every file the configuration names."""
    found = []
    for key, value in config.items():
        if key.endswith("_file"):
            found.append((value, FILE_KINDS[(None, key)], None))
        elif isinstance(value, dict):
            found += [(v, FILE_KINDS[(key, k)], None) for k, v in value.items() if k.endswith("_file")]
    for tenant in config.get("tenants", []):
        found += [(v, FILE_KINDS[("tenants", k)], tenant.get("idp_entity_id", f"https://idp.example/{tenant['id']}"))
                  for k, v in tenant.items() if k.endswith("_file")]
    root_cert = re.search(r"[?&]sslrootcert=([^&]+)", config["store"])
    if root_cert:
        found.append((root_cert.group(1), "cert", None))
    return found


def materialise(sample, work, dummies):
    """A copy of SAMPLE whose files exist under WORK (same layout), and the parsed original."""
    text = (CONFIGS / sample).read_text()
    config = yaml.safe_load(text)
    files = named_files(config)
    paths = [path for path, _, _ in files]
    if config["store"].startswith("sqlite:"):
        paths.append(config["store"][len("sqlite:"):])
    for path in sorted(set(paths), key=len, reverse=True):
        assert path.startswith("/"), f"{sample}: {path} is not absolute"
        text = text.replace(path, str(work) + path)
    for path, kind, entity_id in files:
        dummies.write(kind, Path(str(work) + path), entity_id)
    if config["store"].startswith("sqlite:"):
        Path(str(work) + config["store"][len("sqlite:"):]).parent.mkdir(parents=True, exist_ok=True)
    copy = work / sample
    copy.write_text(text)
    return copy, config, files


def check_production_shape(sample, config, files):
    check(config["public_url"].startswith("https://"), f"{sample}: https public_url", config["public_url"])
    check(re.match(r"^(sqlite:/|postgres://)", config["store"]) is not None, f"{sample}: sqlite or postgres store", config["store"])
    inline = [key for key in ("store_password",) if key in config] + [f"{s}.{k}" for s in ("session",) for k in ("secret",)
                                                                       if k in config.get(s, {})]
    inline += [f"tenants.{t['id']}.scim_token_sha256" for t in config["tenants"] if t.get("scim_token_sha256")]
    check(not inline, f"{sample}: no secret written inline", inline)
    kinds = {kind for _, kind, _ in files}
    check({"secret", "rsa_key", "cert", "ec_key"} <= kinds, f"{sample}: session secret, SP key/cert and JWT key from files", kinds)
    tenant = config["tenants"][0]
    shape = METADATA_URL_SHAPES.get(sample)
    if shape:
        check(re.match(shape, tenant.get("idp_metadata_url", "")) is not None,
              f"{sample}: idp_metadata_url in the IdP's own shape", tenant.get("idp_metadata_url"))
    else:
        check("idp_metadata_file" in tenant and "role_attribute" in tenant and "email_attribute" in tenant,
              f"{sample}: idp_metadata_file with role and email attribute names", sorted(tenant))


def check_negatives(sample, copy, work):
    text = copy.read_text()
    broken = {
        "an unknown top-level key (sesion)": ("sesion:\n  idle_timeout: 8h\n" + text, "sesion"),
        "a misspelt tenant key (email_domain)": (text.replace("email_domains:", "email_domain:", 1), "email_domain"),
        "a broken duration (idle_timeout: 8 hours)": (re.sub(r"idle_timeout: \S+", "idle_timeout: 8 hours", text, count=1), "idle_timeout"),
        "a public_url without a scheme": (re.sub(r"public_url: \S+", "public_url: dash.example.com", text, count=1), "public_url"),
        "a session secret file that does not exist": (text.replace("session.key", "missing.key", 1), "secret_file"),
    }
    for what, (variant, named) in broken.items():
        path = work / f"broken-{sample}"
        path.write_text(variant)
        code, output = check_config(path)
        check(variant != text and code == 1 and named in output, f"{sample}: refused with {what}", f"exit {code}: {output[:300]}")


def check_no_fetch(work, dummies):
    """check-config must not fetch idp_metadata_url (or the samples' IdP URLs would have to answer)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    listener.settimeout(0.2)
    port = listener.getsockname()[1]
    connections = []
    stop = threading.Event()

    def accept():
        while not stop.is_set():
            try:
                connection, _ = listener.accept()
                connections.append(1)
                connection.close()
            except OSError:
                pass

    thread = threading.Thread(target=accept)
    thread.start()
    try:
        copy, _, _ = materialise("okta.yaml", work / "fetch", dummies)
        text = re.sub(r"idp_metadata_url: \S+", f"idp_metadata_url: http://127.0.0.1:{port}/metadata", copy.read_text())
        copy.write_text(text)
        code, output = check_config(copy)
    finally:
        stop.set()
        thread.join()
        listener.close()
    check(code == 0 and not connections, "check-config does not fetch idp_metadata_url", f"exit {code}, {len(connections)} connection(s)")


def main():
    dummies = Dummies()
    with tempfile.TemporaryDirectory(prefix="gatehouse-configs-") as temporary:
        work = Path(temporary)
        for sample in SAMPLES:
            folder = work / sample.replace(".yaml", "")
            copy, config, files = materialise(sample, folder, dummies)
            check_production_shape(sample, config, files)
            code, output = check_config(copy)
            check(code == 0 and "configuration is valid" in output, f"{sample}: gatehouse check-config accepts it",
                  f"exit {code}: {output[:500]}")
            check_negatives(sample, copy, folder)
        check_no_fetch(work, dummies)
    if failures:
        print(f"{len(failures)} check(s) failed")
        return 1
    print("sample configs: every check passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
