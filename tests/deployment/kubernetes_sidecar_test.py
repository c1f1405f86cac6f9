"""examples/kubernetes-sidecar: plain manifests (the app and Gatehouse in one pod) checked
offline like the chart: every manifest passes `kubernetes-validate --strict`, the pod is locked
down and probed on the admin port, every file the config names is mounted from the Secret or
ConfigMap beside it, and the ConfigMap's config passes `gatehouse check-config`.

Run: BIN=DIR .venv/bin/python tests/deployment/kubernetes_sidecar_test.py
The helpers are chart_test.py's (same checks, same materialized secrets).
"""
import sys
import tempfile
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
import chart_test as k8s  # noqa: E402  (helpers only: its checks run under __main__)
from chart_test import by_kind, check, container_port, labels_match  # noqa: E402

EXAMPLE = k8s.ROOT / "examples" / "kubernetes-sidecar"
LABEL = "kubernetes-sidecar"


def main():
    assert (k8s.BIN / "gatehouse").exists(), f"no gatehouse binary in {k8s.BIN} (set BIN)"
    files = sorted(EXAMPLE.glob("*.yaml"))
    docs = [(str(f), d) for f in files for d in yaml.safe_load_all(f.read_text()) if d]
    kinds = sorted(d["kind"] for _, d in docs)
    check(kinds == ["ConfigMap", "Deployment", "PersistentVolumeClaim", "PodDisruptionBudget", "Secret", "Service"],
          f"{LABEL}: Deployment, Service, ConfigMap, Secret, PVC and PDB are there ({', '.join(kinds)})")
    with tempfile.TemporaryDirectory(prefix="gatehouse-k8s-sidecar-") as workdir:
        k8s.validate_manifests(docs, workdir, LABEL)

        config = yaml.safe_load(by_kind(docs, "ConfigMap")[0]["data"]["gatehouse.yaml"])
        deployment = by_kind(docs, "Deployment")[0]
        pod = deployment["spec"]["template"]
        containers = pod["spec"]["containers"]
        check(len(containers) == 2, f"{LABEL}: the pod holds the app and Gatehouse")
        app = next(c for c in containers if c["name"] != "gatehouse")
        gatehouse = k8s.check_pod(pod["spec"], config, LABEL, sidecar_app=app["name"])
        app_port = container_port(app, "app")
        check(config["upstream"] == f"http://127.0.0.1:{app_port}", f"{LABEL}: upstream is the app on 127.0.0.1:{app_port}")
        check(config["store"].startswith("sqlite:") and deployment["spec"]["replicas"] == 1
              and deployment["spec"]["strategy"]["type"] == "Recreate", f"{LABEL}: SQLite: one replica, Recreate")
        service = by_kind(docs, "Service")[0]
        check(labels_match(service["spec"]["selector"], pod["metadata"]["labels"])
              and {p["name"]: p["targetPort"] for p in service["spec"]["ports"]} == {"http": "http", "metrics": "admin"},
              f"{LABEL}: the Service selects the pod and targets Gatehouse's ports, not the app's")
        pdb = by_kind(docs, "PodDisruptionBudget")[0]
        check(labels_match(pdb["spec"]["selector"]["matchLabels"], pod["metadata"]["labels"]), f"{LABEL}: the PDB selects the pod")
        claim = next(v for v in pod["spec"]["volumes"] if "persistentVolumeClaim" in v)["persistentVolumeClaim"]["claimName"]
        check(claim == by_kind(docs, "PersistentVolumeClaim")[0]["metadata"]["name"], f"{LABEL}: the data volume is the PVC beside it")
        check(all("REPLACE" in v for v in by_kind(docs, "Secret")[0]["stringData"].values()),
              f"{LABEL}: every Secret value is a placeholder (no real key shipped)")
        k8s.check_mounts(config, gatehouse, pod["spec"], docs, LABEL)

        mount_paths = [m["mountPath"] for m in gatehouse["volumeMounts"]]
        local = k8s.materialize(config, mount_paths, Path(workdir) / "config")
        k8s.check_config_passes(local, config, LABEL)

    k8s.summary(LABEL)


if __name__ == "__main__":
    main()
