"""The Helm chart in charts/gatehouse, checked offline (no cluster here): for the default values
and every charts/gatehouse/ci/*-values.yaml it lints clean (strict), renders, every manifest
passes `kubernetes-validate --strict` (the CRD kinds, which it has no schema for, are checked by
structure here), the pod is locked down and probed on the admin port, every file the config names
is mounted where it says, and the config in the ConfigMap passes `gatehouse check-config`.
Then the refusals (several replicas on SQLite, typos the schema must catch), the checksum
annotation, and NOTES.txt's URLs against what `gatehouse tenant init` prints.

Run: BIN=DIR .venv/bin/python tests/deployment/chart_test.py  (BIN holds the gatehouse binary;
default .build/debug). kubernetes_sidecar_test.py imports the helpers below.
"""
import base64
import hashlib
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import helm_python
import yaml
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

ROOT = Path(__file__).resolve().parents[2]
CHART = ROOT / "charts" / "gatehouse"
BIN = Path(os.environ.get("BIN", ROOT / ".build" / "debug"))
KUBE_VERSION = "1.37.0"
KUBERNETES_VALIDATE = Path(sys.executable).parent / "kubernetes-validate"
OKTA_METADATA = ROOT / "Tests" / "GatehouseSAMLTests" / "Fixtures" / "okta-metadata.xml"
RELEASE, NAMESPACE = "demo", "web"
# Kinds kubernetes-validate has no schema for; checked by structure in check_custom_resources.
CUSTOM_KINDS = {"ServiceMonitor": "monitoring.coreos.com/v1", "HTTPRoute": "gateway.networking.k8s.io/v1"}
SQLITE_REFUSAL = "several replicas need PostgreSQL"

failures = []
passes = []


def check(condition, what):
    print(("  ok   " if condition else "  FAIL ") + what)
    (passes if condition else failures).append(what)
    return condition


def summary(name):
    """Lists the failures and ends with the plain 'N passed, N failed' line; exit 1 on a failure."""
    for failure in failures:
        print("  failed: " + failure)
    print(f"{name}: {len(passes)} passed, {len(failures)} failed")
    sys.exit(1 if failures else 0)


def parse_duration(text):
    units = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400}
    parts = re.findall(r"(\d+)(ms|s|m|h|d)", text)
    assert parts and "".join(n + u for n, u in parts) == text, f"not a duration: {text}"
    return sum(int(n) * units[u] for n, u in parts)


# --- rendering ------------------------------------------------------------------------------

def load_values(path):
    return helm_python.values_from_yaml(Path(path).read_text()) if path else {}


def render(values):
    chart = helm_python.Chart.load(str(CHART))
    return chart.render(values, name=RELEASE, namespace=NAMESPACE, is_install=True)


def manifests(rendered):
    """Every Kubernetes object of a render (NOTES.txt is not one)."""
    docs = []
    for path, text in sorted(rendered.items()):
        if path.endswith("NOTES.txt"):
            continue
        docs += [(path, d) for d in yaml.safe_load_all(text) if d]
    return docs


def by_kind(docs, kind):
    return [d for _, d in docs if d["kind"] == kind]


# --- schema validation of plain manifests ---------------------------------------------------

def validate_manifests(docs, workdir, label):
    """Writes each built-in object to its own file and runs kubernetes-validate --strict over them;
    each file must be reported as passed (a missing schema is only a warning there)."""
    files = []
    for index, (_, doc) in enumerate(docs):
        if doc["kind"] in CUSTOM_KINDS:
            continue
        file = Path(workdir) / f"{index:02d}-{doc['kind'].lower()}-{doc['metadata']['name']}.yaml"
        file.write_text(yaml.safe_dump(doc))
        files.append(file)
    result = subprocess.run([str(KUBERNETES_VALIDATE), "--strict", "-k", KUBE_VERSION, *map(str, files)],
                            capture_output=True, text=True)
    output = result.stdout + result.stderr
    passed = [f for f in files if re.search(rf"INFO {re.escape(str(f))} passed", output)]
    check(result.returncode == 0 and len(passed) == len(files),
          f"{label}: kubernetes-validate --strict {KUBE_VERSION} passes all {len(files)} built-in objects")
    if result.returncode != 0 or len(passed) != len(files):
        print(output)


def check_custom_resources(docs, label):
    services = by_kind(docs, "Service")
    for doc in by_kind(docs, "ServiceMonitor"):
        spec = doc["spec"]
        check(doc["apiVersion"] == CUSTOM_KINDS["ServiceMonitor"], f"{label}: ServiceMonitor is {CUSTOM_KINDS['ServiceMonitor']}")
        check(set(spec) <= {"selector", "namespaceSelector", "endpoints", "jobLabel"}, f"{label}: ServiceMonitor spec has known fields only")
        selected = [s for s in services if labels_match(spec["selector"]["matchLabels"], s["metadata"]["labels"])]
        check(len(selected) == 1, f"{label}: ServiceMonitor selects the Service")
        endpoint = spec["endpoints"][0]
        check(set(endpoint) <= {"port", "path", "interval", "scrapeTimeout"}, f"{label}: ServiceMonitor endpoint has known fields only")
        metrics_ports = [p for s in selected for p in s["spec"]["ports"] if p["name"] == endpoint["port"]]
        check(endpoint["port"] == "metrics" and endpoint["path"] == "/metrics" and len(metrics_ports) == 1
              and metrics_ports[0]["targetPort"] == "admin",
              f"{label}: ServiceMonitor scrapes /metrics on the Service's metrics port (the admin port)")
        check(all(re.fullmatch(r"(\d+(ms|s|m|h))+", endpoint[k]) for k in ("interval", "scrapeTimeout") if k in endpoint),
              f"{label}: ServiceMonitor durations are Prometheus durations")
    for doc in by_kind(docs, "HTTPRoute"):
        spec = doc["spec"]
        check(doc["apiVersion"] == CUSTOM_KINDS["HTTPRoute"], f"{label}: HTTPRoute is {CUSTOM_KINDS['HTTPRoute']}")
        check(set(spec) <= {"parentRefs", "hostnames", "rules"} and spec["parentRefs"]
              and all("name" in ref for ref in spec["parentRefs"]), f"{label}: HTTPRoute has known fields and named parentRefs")
        backends = [b for rule in spec["rules"] for b in rule["backendRefs"]]
        check(all(m["path"]["type"] in {"PathPrefix", "Exact", "RegularExpression"} for r in spec["rules"] for m in r["matches"]),
              f"{label}: HTTPRoute path matches have a valid type")
        http_port = next(p["port"] for p in services[0]["spec"]["ports"] if p["name"] == "http")
        check(backends and all(b["name"] == services[0]["metadata"]["name"] and b["port"] == http_port for b in backends),
              f"{label}: HTTPRoute sends to the Service's http port")


def labels_match(selector, labels):
    return all(labels.get(k) == v for k, v in selector.items())


# --- the pod --------------------------------------------------------------------------------

def container_port(container, port):
    if isinstance(port, int):
        return port
    return next((p["containerPort"] for p in container.get("ports", []) if p["name"] == port), None)


def check_pod(pod_spec, config, label, sidecar_app=None, preStop_expected=True):
    """The pod is locked down, probed on the admin port, listens where the config says, and
    gives Gatehouse a writable /tmp. Returns the gatehouse container."""
    pod_sc = pod_spec.get("securityContext", {})
    check(pod_sc.get("runAsNonRoot") is True and isinstance(pod_sc.get("runAsUser"), int) and pod_sc["runAsUser"] > 0,
          f"{label}: pod runs as a fixed non-root UID")
    check(pod_sc.get("seccompProfile", {}).get("type") == "RuntimeDefault", f"{label}: pod seccompProfile RuntimeDefault")
    gatehouse = next(c for c in pod_spec["containers"] if c["name"] == "gatehouse")
    locked = [gatehouse] + ([c for c in pod_spec["containers"] if c["name"] == sidecar_app] if sidecar_app else [])
    for container in locked:
        sc = container.get("securityContext", {})
        name = container["name"]
        check(sc.get("allowPrivilegeEscalation") is False, f"{label}: {name}: allowPrivilegeEscalation false")
        check(sc.get("readOnlyRootFilesystem") is True, f"{label}: {name}: readOnlyRootFilesystem")
        check("ALL" in sc.get("capabilities", {}).get("drop", []), f"{label}: {name}: capabilities drop ALL")
        check(sc.get("runAsNonRoot", pod_sc.get("runAsNonRoot")) is True, f"{label}: {name}: runAsNonRoot")
    listen_port = int(config["listen"].rsplit(":", 1)[1])
    admin_port = int(config["admin_listen"].rsplit(":", 1)[1])
    check(container_port(gatehouse, "http") == listen_port and container_port(gatehouse, "admin") == admin_port == 9090,
          f"{label}: container ports http={listen_port} and admin=9090 match listen/admin_listen")
    for probe, path in (("livenessProbe", "/healthz"), ("readinessProbe", "/readyz")):
        get = gatehouse.get(probe, {}).get("httpGet", {})
        check(get.get("path") == path and container_port(gatehouse, get.get("port")) == admin_port,
              f"{label}: {probe} GET {path} on the admin port")
    volumes = {v["name"]: v for v in pod_spec.get("volumes", [])}
    tmp = [m for m in gatehouse["volumeMounts"] if m["mountPath"] == "/tmp"]
    check(len(tmp) == 1 and "emptyDir" in volumes.get(tmp[0]["name"], {}), f"{label}: /tmp is a writable emptyDir")
    grace = pod_spec.get("terminationGracePeriodSeconds", 30)
    sleep = gatehouse.get("lifecycle", {}).get("preStop", {}).get("sleep", {}).get("seconds", 0)
    shutdown = parse_duration(config.get("shutdown_timeout", "25s"))
    check(grace > shutdown + sleep, f"{label}: terminationGracePeriodSeconds {grace} > preStop {sleep}s + shutdown_timeout {shutdown:g}s")
    if preStop_expected:
        check(sleep > 0, f"{label}: a preStop sleep lets endpoints drop the pod before the listener closes")
    return gatehouse


def config_files(config):
    """(config key, path) of every file the configuration names."""
    files = []
    for key in ("store_password_file",):
        if key in config:
            files.append((key, config[key]))
    for section, keys in (("session", ["secret_file"]), ("sp", ["key_file", "cert_file", "next_cert_file", "next_key_file"]),
                          ("jwt", ["key_file", "previous_key_file"])):
        for key in keys:
            if key in config.get(section, {}):
                files.append((f"{section}.{key}", config[section][key]))
    for index, tenant in enumerate(config.get("tenants") or []):
        for key in ("idp_metadata_file", "scim_token_sha256_file"):
            if key in tenant:
                files.append((f"tenants[{index}].{key}", tenant[key]))
    root_cert = re.search(r"[?&]sslrootcert=([^&]+)", config.get("store", ""))
    if root_cert:
        files.append(("store sslrootcert", root_cert.group(1)))
    return files


def check_mounts(config, gatehouse, pod_spec, docs, label, chart_name=None):
    """Every file the config names sits on a volume mounted read-only in the gatehouse container,
    and where that volume is one the chart renders, the file is really in it."""
    volumes = {v["name"]: v for v in pod_spec.get("volumes", [])}
    mounts = sorted(gatehouse.get("volumeMounts", []), key=lambda m: -len(m["mountPath"]))
    secrets = {d["metadata"]["name"]: d for d in by_kind(docs, "Secret")}
    config_maps = {d["metadata"]["name"]: d for d in by_kind(docs, "ConfigMap")}
    for key, path in config_files(config):
        mount = next((m for m in mounts if path.startswith(m["mountPath"].rstrip("/") + "/")), None)
        if not check(mount is not None and mount.get("readOnly") is True, f"{label}: {key} ({path}) is on a read-only mount"):
            continue
        relative = path[len(mount["mountPath"].rstrip("/")) + 1:]
        volume = volumes[mount["name"]]
        if "projected" in volume:
            sources = [s["secret"] for s in volume["projected"]["sources"] if "secret" in s]
            source = next((s for s in sources for item in s.get("items", []) if item["path"] == relative), None)
            if check(source is not None, f"{label}: {key} comes from a Secret item at {relative}"):
                key_in_secret = next(i["key"] for i in source["items"] if i["path"] == relative)
                if source["name"] in secrets:  # rendered here; otherwise an existing Secret
                    check(key_in_secret in secrets[source["name"]].get("data", {}),
                          f"{label}: {key}: the rendered Secret {source['name']} has key {key_in_secret}")
        elif "configMap" in volume:
            name = volume["configMap"]["name"]
            if name in config_maps:
                check(relative in config_maps[name]["data"], f"{label}: {key}: ConfigMap {name} has {relative}")
        elif "secret" in volume:
            items = volume["secret"].get("items")
            name = volume["secret"]["secretName"]
            if items is not None:
                check(any(i["path"] == relative for i in items), f"{label}: {key}: secret volume {name} has an item at {relative}")
            elif name in secrets:
                secret = secrets[name]
                check(relative in {**secret.get("data", {}), **secret.get("stringData", {})},
                      f"{label}: {key}: Secret {name} has key {relative}")
        else:
            check(False, f"{label}: {key} is on a {list(volume)} volume, not a Secret or ConfigMap")
    if config["store"].startswith("sqlite:"):
        directory = os.path.dirname(config["store"][len("sqlite:"):])
        data = [m for m in mounts if m["mountPath"].rstrip("/") == directory]
        check(len(data) == 1 and not data[0].get("readOnly") and
              ({"persistentVolumeClaim", "emptyDir"} & set(volumes[data[0]["name"]])),
              f"{label}: the SQLite directory {directory} is a writable volume")


# --- check-config on the rendered config ----------------------------------------------------

def materialize(config, mount_paths, workdir, rendered_files=None):
    """A copy of the config that `check-config` can read here. The files it names live on
    mounted Secrets and ConfigMaps in the pod, which do not exist on this machine: each mount
    prefix is rewritten to a folder in workdir, and every named file is written there with
    valid dummy content of the kind Gatehouse expects (a 48-byte session secret, an openssl-made
    SP key and certificate, a P-256 PEM key, the Okta metadata fixture). rendered_files maps a
    path in the pod to content the chart itself rendered (inline IdP metadata), used instead."""
    workdir = Path(workdir)
    rendered_files = rendered_files or {}
    prefixes = sorted(set(mount_paths), key=len, reverse=True)
    local_of = {p: workdir / "mounts" / p.strip("/").replace("/", "_") for p in prefixes}

    def rewrite(value):
        if isinstance(value, str):
            for prefix in prefixes:
                value = value.replace(prefix.rstrip("/") + "/", str(local_of[prefix]) + "/")
            return value
        if isinstance(value, list):
            return [rewrite(v) for v in value]
        if isinstance(value, dict):
            return {k: rewrite(v) for k, v in value.items()}
        return value

    local = rewrite(config)
    sp_pair = None

    def openssl_pair():
        nonlocal sp_pair
        if sp_pair is None:
            key, cert = workdir / "sp-test.key", workdir / "sp-test.crt"
            subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert),
                            "-days", "2", "-subj", "/CN=gatehouse-chart-test"], check=True, capture_output=True)
            sp_pair = key.read_bytes(), cert.read_bytes()
        return sp_pair

    for (key, pod_path), (_, local_path) in zip(config_files(config), config_files(local)):
        target = Path(local_path)
        target.parent.mkdir(parents=True, exist_ok=True)
        if pod_path in rendered_files:
            content = rendered_files[pod_path].encode()
        elif key == "session.secret_file":
            content = base64.b64encode(os.urandom(36))
        elif key in ("sp.key_file", "sp.next_key_file"):
            content = openssl_pair()[0]
        elif key in ("sp.cert_file", "sp.next_cert_file", "store sslrootcert"):
            content = openssl_pair()[1]
        elif key.startswith("jwt."):
            content = ec.generate_private_key(ec.SECP256R1()).private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
        elif key == "store_password_file":
            content = b"dummy-password\n"
        elif key.endswith("scim_token_sha256_file"):
            content = hashlib.sha256(b"dummy scim token").hexdigest().encode() + b"\n"
        elif key.endswith("idp_metadata_file"):
            content = OKTA_METADATA.read_bytes()
        else:
            raise AssertionError(f"no dummy content for {key}")
        target.write_bytes(content)
    if local["store"].startswith("sqlite:"):
        Path(local["store"][len("sqlite:"):]).parent.mkdir(parents=True, exist_ok=True)
    path = workdir / "gatehouse.yaml"
    path.write_text(yaml.safe_dump(local))
    return path


def gatehouse_env():
    # A GATEHOUSE_* variable from the caller's shell would change what is checked.
    return {k: v for k, v in os.environ.items() if not k.startswith("GATEHOUSE_")}


def check_config_passes(config_path, config, label):
    result = subprocess.run([str(BIN / "gatehouse"), "check-config", "--config", str(config_path)],
                            capture_output=True, text=True, env=gatehouse_env())
    tenants = len(config.get("tenants") or [])
    ok = check(result.returncode == 0 and f"configuration is valid: {tenants} tenant(s)" in result.stdout,
               f"{label}: gatehouse check-config accepts the rendered config ({tenants} tenant(s))")
    if not ok:
        print(result.stdout + result.stderr)
    return ok


def tenant_init_urls(config_path, tenant, domains):
    """The four URLs `gatehouse tenant init` prints for a tenant, by their labels. It refuses a
    tenant the config already has, so it runs on a copy without tenants (same public_url and
    sso_prefix), as when the operator onboarded the tenant."""
    before = yaml.safe_load(Path(config_path).read_text())
    before["tenants"] = []
    onboarding = Path(config_path).with_name("before-tenants.yaml")
    onboarding.write_text(yaml.safe_dump(before))
    args = [str(BIN / "gatehouse"), "tenant", "init", tenant, "--config", str(onboarding)]
    for domain in domains:
        args += ["--domain", domain]
    result = subprocess.run(args, capture_output=True, text=True, env=gatehouse_env())
    urls = {}
    for label in ("Single Sign-On URL (ACS)", "Audience URI (SP Entity ID)", "SCIM connector base URL", "Bookmark (sign-in) URL"):
        match = re.search(re.escape(label) + r":\s+(\S+)", result.stdout)
        if not check(result.returncode == 0 and match is not None, f"gatehouse tenant init {tenant} prints the {label}"):
            print(result.stdout + result.stderr)
            return {}
        urls[label] = match.group(1)
    return urls


# --- one value set --------------------------------------------------------------------------

def check_value_set(values_path, workdir):
    label = values_path.name if values_path else "defaults"
    print(f"-- {label}")
    values = load_values(values_path)
    merged = helm_python.Chart.load(str(CHART)).merge_values(values)
    report = helm_python.lint(str(CHART), values, strict=True)
    serious = [m for m in report["messages"] if m["severity"] >= 2]
    check(not report["errors"] and not serious, f"{label}: helm lint --strict has no warning or error")
    if serious or report["errors"]:
        print(report)
    rendered = render(values)
    docs = manifests(rendered)
    validate_manifests(docs, workdir, label)
    check_custom_resources(docs, label)

    fullname = f"{RELEASE}-gatehouse"
    config_map = next(d for d in by_kind(docs, "ConfigMap") if d["metadata"]["name"] == fullname)
    config = yaml.safe_load(config_map["data"]["gatehouse.yaml"])
    deployment = by_kind(docs, "Deployment")[0]
    pod = deployment["spec"]["template"]
    sidecar = merged["mode"] == "sidecar"
    app_name = merged["sidecar"]["app"]["name"] if sidecar else None
    gatehouse = check_pod(pod["spec"], config, label, sidecar_app=app_name)
    check(pod["metadata"]["annotations"].get("checksum/config")
          == hashlib.sha256(rendered["gatehouse/templates/configmap.yaml"].encode()).hexdigest(),
          f"{label}: checksum/config is the SHA-256 of the rendered ConfigMap")
    check(re.fullmatch(r"[0-9a-f]{64}", pod["metadata"]["annotations"].get("checksum/secret", "")) is not None,
          f"{label}: checksum/secret annotation present")

    if sidecar:
        app = next(c for c in pod["spec"]["containers"] if c["name"] == app_name)
        app_port = merged["sidecar"]["app"]["port"]
        check(config["upstream"] == f"http://127.0.0.1:{app_port}" and container_port(app, "app") == app_port,
              f"{label}: sidecar upstream is the app container on 127.0.0.1:{app_port}")
    else:
        check(config["upstream"] == merged["upstream"] and len(pod["spec"]["containers"]) == 1,
              f"{label}: standalone: Gatehouse alone, upstream {merged['upstream']}")
    service = by_kind(docs, "Service")[0]
    check(labels_match(service["spec"]["selector"], pod["metadata"]["labels"])
          and {p["name"]: p["targetPort"] for p in service["spec"]["ports"]} == {"http": "http", "metrics": "admin"},
          f"{label}: the Service selects the pod and targets Gatehouse's http and admin ports only")
    for pdb in by_kind(docs, "PodDisruptionBudget"):
        check(labels_match(pdb["spec"]["selector"]["matchLabels"], pod["metadata"]["labels"]), f"{label}: the PDB selects the pod")
    check(len(by_kind(docs, "PodDisruptionBudget")) == 1, f"{label}: a PodDisruptionBudget is rendered")
    for hpa in by_kind(docs, "HorizontalPodAutoscaler"):
        check(hpa["spec"]["scaleTargetRef"]["name"] == deployment["metadata"]["name"] and "replicas" not in deployment["spec"],
              f"{label}: the HPA scales the Deployment (which leaves replicas to it)")
    for ingress in by_kind(docs, "Ingress"):
        check(ingress["spec"].get("ingressClassName") == "nginx", f"{label}: Ingress class nginx")
    if merged["store"]["type"] == "sqlite":
        check(deployment["spec"]["replicas"] == 1 and deployment["spec"]["strategy"]["type"] == "Recreate",
              f"{label}: SQLite: one replica, Recreate (never two writers)")
    else:
        check(config["store"] == merged["store"]["postgres"]["url"], f"{label}: PostgreSQL URL in the config")
    check_mounts(config, gatehouse, pod["spec"], docs, label)

    metadata_maps = [d for d in by_kind(docs, "ConfigMap") if d["metadata"]["name"] == f"{fullname}-idp-metadata"]
    rendered_files = {f"/etc/gatehouse/idp-metadata/{name}": text for d in metadata_maps for name, text in d["data"].items()}
    # Hashes the chart put in its own Secret are checked as rendered, not replaced by a dummy.
    for secret in by_kind(docs, "Secret"):
        if secret["metadata"]["name"] == f"{fullname}-scim-tokens":
            rendered_files |= {f"/etc/gatehouse/scim-tokens/{tenant}": base64.b64decode(data).decode()
                               for tenant, data in secret["data"].items()}
    mount_paths = [m["mountPath"] for m in gatehouse["volumeMounts"]]
    local = materialize(config, mount_paths, Path(workdir) / "config", rendered_files)
    check_config_passes(local, config, label)

    notes = rendered.get("gatehouse/templates/NOTES.txt", "")
    for tenant in config.get("tenants") or []:
        urls = tenant_init_urls(local, tenant["id"], tenant["email_domains"])
        for what, url in urls.items():
            check(re.search(rf"{re.escape(what)}:\s+{re.escape(url)}\n", notes) is not None,
                  f"{label}: NOTES.txt gives tenant {tenant['id']}'s {what} as tenant init does: {url}")
    if config.get("tenants"):
        check(re.search(r"SCIM bearer token[^.]*`gatehouse tenant init", notes) is not None and "scim_token_sha256" in notes,
              f"{label}: NOTES.txt says the SCIM bearer token comes from gatehouse tenant init (its hash into scim_token_sha256)")
    return values


# --- refusals and the checksum --------------------------------------------------------------

def expect_render_failure(values, needle, what):
    try:
        render(values)
    except helm_python.HelmRenderError as error:
        check(needle in str(error), f"{what}: refused with a message saying {needle!r}")
        if needle not in str(error):
            print(error)
        return
    check(False, f"{what}: refused (it rendered)")


def expect_schema_failure(values, needle, what):
    chart = helm_python.Chart.load(str(CHART))
    try:
        chart.validate_schema(values)
    except helm_python.HelmValuesError as error:
        check(needle in str(error), f"{what}: values.schema.json refuses it, naming {needle!r}")
        report = helm_python.lint(str(CHART), values, strict=True)
        check(bool(report["errors"]), f"{what}: helm lint reports it as an error")
        return
    check(False, f"{what}: values.schema.json refuses it (it passed)")


def checksums(values):
    docs = manifests(render(values))
    annotations = by_kind(docs, "Deployment")[0]["spec"]["template"]["metadata"]["annotations"]
    return annotations["checksum/config"], annotations["checksum/secret"]


def check_refusals_and_checksums():
    print("-- refusals")
    expect_render_failure({"replicaCount": 3}, SQLITE_REFUSAL, "replicaCount 3 on SQLite")
    expect_render_failure({"autoscaling": {"enabled": True, "maxReplicas": 3}}, SQLITE_REFUSAL, "autoscaling to 3 on SQLite")
    expect_render_failure({"store": {"type": "postgres"}}, "store.postgres.url is empty", "PostgreSQL without a URL")
    expect_render_failure({"store": {"type": "postgres", "postgres": {"url": "postgres://gatehouse:hunter2@db/gatehouse"}}},
                          "holds a password", "a password in the PostgreSQL URL (it would land in a ConfigMap)")
    expect_render_failure({"secrets": {"sp": {"key": "k"}}}, "needs both key and cert", "an SP key without its certificate")
    expect_render_failure({"secrets": {"session": {"value": "short"}}}, "at least 32 bytes", "a short session secret")
    expect_render_failure({"mode": "sidecar", "sidecar": {"app": {"port": 8080}}}, "Gatehouse's own ports", "an app on Gatehouse's port")
    scim_tenant = {"id": "acme", "email_domains": ["acme.com"], "idp_metadata_url": "https://x.example/md",
                   "scim_token_sha256_file": "/etc/gatehouse/scim-tokens/acme"}
    expect_render_failure({"config": {"public_url": "https://x.example", "tenants": [scim_tenant]}},
                          "neither secrets.scimTokens.hashes nor", "a tenant reading SCIM hashes from a Secret that is not there")
    expect_render_failure({"config": {"public_url": "https://x.example", "tenants": [scim_tenant]},
                           "secrets": {"scimTokens": {"hashes": {"other": ["a" * 64]}}}},
                          "has no key acme", "a tenant reading SCIM hashes the Secret does not have")
    expect_schema_failure({"replicaCont": 3}, "replicaCont", "a misspelt top-level key")
    expect_schema_failure({"mode": "side-car"}, "mode", "mode side-car")
    expect_schema_failure({"replicaCount": "3"}, "replicaCount", "replicaCount as a string")
    expect_schema_failure({"config": {"public_url": "https://x.example", "tenants": [{"id": "a", "email_domains": ["a.com"], "idp_metdata_url": "https://x"}]}},
                          "idp_metdata_url", "a misspelt tenant key")
    expect_schema_failure({"config": {"public_url": "https://x.example", "store": "sqlite:/x"}}, "store", "config.store (the chart sets it)")
    expect_schema_failure({"config": {"public_url": "https://x.example", "shutdown_timeout": 25}}, "shutdown_timeout", "a duration as a number")

    print("-- checksum annotation")
    base = {"config": {"public_url": "https://dash.example.com"}}
    first, second = checksums(base), checksums(base)
    check(first == second, "the same values give the same checksums (no random input)")
    changed = checksums({"config": {"public_url": "https://dash.example.com", "public_paths": ["^/static/"]}})
    check(changed[0] != first[0], "a changed config changes checksum/config")
    other_secret = checksums({**base, "secrets": {"jwt": {"existingSecret": "other"}}})
    check(other_secret[1] != first[1], "a changed secret value changes checksum/secret")


def main():
    assert (BIN / "gatehouse").exists(), f"no gatehouse binary in {BIN} (set BIN)"
    value_sets = [None] + sorted((CHART / "ci").glob("*-values.yaml"))
    check(len(value_sets) >= 5, f"defaults and {len(value_sets) - 1} ci value sets")
    for values_path in value_sets:
        with tempfile.TemporaryDirectory(prefix="gatehouse-chart-") as workdir:
            check_value_set(values_path, workdir)
    check_refusals_and_checksums()
    summary("chart")


if __name__ == "__main__":
    main()
