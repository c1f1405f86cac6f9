#!/usr/bin/env python3
"""The container image's Dockerfile, checked without a Docker engine (none runs here).

- hadolint (the venv's, with an empty config so no file can switch rules off) reports nothing,
  and every `# hadolint ignore=` has a comment on the line above saying why;
- the runtime stage: numeric non-root USER, only the allowed Debian packages, installed with
  --no-install-recommends and the apt lists removed, ENTRYPOINT/CMD/EXPOSE/VOLUME as documented;
- every library the gatehouse binary links (ldd of $BIN/gatehouse) is either a Swift runtime
  library that --static-swift-stdlib links in (the toolchain has its static archive) or comes
  from a Debian package the runtime stage installs, directly or as a dependency (dpkg -S, then
  the packages' Depends), or from the base image's C/C++ runtime;
- the HEALTHCHECK command, run against a live `gatehouse serve`, passes on the admin port and
  fails on a closed port and on the proxy port (so it reads the status, not just the connect);
- .dockerignore keeps .build, .venv, .git and var out and keeps in what Package.swift needs.

Run: BIN=/path/to/binaries .venv/bin/python tests/deployment/dockerfile_test.py
"""
import fnmatch
import json
import os
import re
import shlex
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "python"))
from local_servers import free_port, wait_for, stop  # noqa: E402

BIN = Path(os.environ.get("BIN", ROOT / ".build" / "debug"))
DOCKERFILE = Path(os.environ.get("DOCKERFILE", ROOT / "Dockerfile"))
DOCKERIGNORE = Path(os.environ.get("DOCKERIGNORE", ROOT / ".dockerignore"))
HADOLINT = Path(sys.executable).parent / "hadolint"

# What the runtime stage may install: the libraries the binary links and the CA bundle.
ALLOWED_RUNTIME_PACKAGES = {"ca-certificates", "libsqlite3-0", "libssl3", "libxml2", "libxmlsec1", "libxmlsec1-openssl", "zlib1g"}
# Named by the issue: the image is useless without them.
REQUIRED_RUNTIME_PACKAGES = {"ca-certificates", "libxml2", "libxmlsec1-openssl"}
# Part of every Debian base image (glibc, the GCC runtime, libstdc++ for apt itself).
BASE_IMAGE_PACKAGES = {"libc6", "libgcc-s1", "libstdc++6"}

failures = []


def check(condition, what, detail=""):
    print(("ok   " if condition else "FAIL ") + what + (f" ({detail})" if detail and not condition else ""))
    if not condition:
        failures.append(what + (f": {detail}" if detail else ""))
    return condition


def instructions(text):
    """(line number, INSTRUCTION, arguments) with continuation lines joined; comments skipped."""
    result, buffer, start = [], "", 0
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if not buffer and (not stripped or stripped.startswith("#")):
            continue
        if buffer and stripped.startswith("#"):
            continue  # a comment inside a continued instruction
        if not buffer:
            start = number
        if stripped.endswith("\\"):
            buffer += stripped[:-1] + " "
            continue
        buffer += stripped
        keyword, _, arguments = buffer.partition(" ")
        result.append((start, keyword.upper(), arguments.strip()))
        buffer = ""
    return result


def stages(parsed):
    """Each stage's instructions, in order; a stage starts at FROM."""
    found = []
    for entry in parsed:
        if entry[1] == "FROM":
            found.append([entry])
        elif found:
            found[-1].append(entry)
    return found


def apt_packages(run_arguments):
    """Packages named after `apt-get install` in one RUN (options and `&&` tails dropped)."""
    packages = []
    for command in re.split(r"&&|;", run_arguments):
        words = shlex.split(command)
        if "apt-get" in words and "install" in words:
            after = words[words.index("install") + 1 :]
            packages += [word.split("=")[0] for word in after if not word.startswith("-")]
    return packages


def check_hadolint():
    with tempfile.NamedTemporaryFile("w", suffix=".yaml") as empty:
        empty.write("{}\n")
        empty.flush()
        lint = subprocess.run(
            [str(HADOLINT), "--no-color", "--config", empty.name, str(DOCKERFILE)], capture_output=True, text=True
        )
    check(lint.returncode == 0 and not lint.stdout.strip(), "hadolint reports nothing", (lint.stdout + lint.stderr).strip())
    lines = DOCKERFILE.read_text().splitlines()
    for index, line in enumerate(lines):
        if re.match(r"\s*#\s*hadolint\s+(ignore|global)", line):
            previous = lines[index - 1].strip() if index else ""
            reason = previous.lstrip("#").strip()
            check(
                previous.startswith("#") and reason and not reason.startswith("hadolint"),
                f"line {index + 1}: `{line.strip()}` has its reason in a comment on the line above",
                f"line above is {previous!r}",
            )


def check_structure(parsed):
    all_stages = stages(parsed)
    check(len(all_stages) >= 2, "multi-stage build", f"{len(all_stages)} stage(s)")
    build, runtime = all_stages[0], all_stages[-1]
    check(re.match(r"swift:\S*-bookworm\b", build[0][2]) is not None, "build stage FROM the official swift:*-bookworm image", build[0][2])
    runs = " ".join(arguments for _, keyword, arguments in build if keyword == "RUN")
    check("--static-swift-stdlib" in runs and "--product gatehouse" in runs, "build stage: swift build --product gatehouse --static-swift-stdlib")
    check(runtime[0][2].split()[0] == "debian:bookworm-slim", "runtime stage FROM debian:bookworm-slim", runtime[0][2])

    def last(keyword):
        values = [arguments for _, k, arguments in runtime if k == keyword]
        return values[-1] if values else None

    user = last("USER")
    uid, _, gid = (user or "").partition(":")
    check(uid.isdigit() and int(uid) != 0 and (not gid or (gid.isdigit() and int(gid) != 0)), "runtime USER is a numeric non-root uid[:gid]", repr(user))
    # The chart and the sidecar manifest run the image as this UID; a mismatch leaves the
    # SQLite volume (chowned in the image) unwritable.
    chart_values = (ROOT / "charts" / "gatehouse" / "values.yaml").read_text()
    sidecar = (ROOT / "examples" / "kubernetes-sidecar" / "deployment.yaml").read_text()
    for name, text in (("chart values.yaml", chart_values), ("kubernetes-sidecar deployment.yaml", sidecar)):
        uids = set(re.findall(r"runAsUser:\s*(\d+)", text))
        check(uids == {uid}, f"{name} runs as the image's USER {uid}", f"runAsUser {sorted(uids)}")
    healthcheck = last("HEALTHCHECK")
    probes_documented = re.search(r"#.*probe", DOCKERFILE.read_text(), re.IGNORECASE) is not None
    check((healthcheck and not healthcheck.upper().startswith("NONE")) or probes_documented, "runtime has a HEALTHCHECK (or points to probe docs)")
    check(last("WORKDIR") is not None, "runtime sets WORKDIR")
    check(json.loads(last("ENTRYPOINT") or "null") == ["gatehouse"], 'ENTRYPOINT ["gatehouse"]', last("ENTRYPOINT"))
    check(
        json.loads(last("CMD") or "null") == ["serve", "--config", "/etc/gatehouse/gatehouse.yaml"],
        'CMD ["serve", "--config", "/etc/gatehouse/gatehouse.yaml"]',
        last("CMD"),
    )
    exposed = set(" ".join(arguments for _, k, arguments in runtime if k == "EXPOSE").split())
    check({"8080", "9090"} <= exposed, "EXPOSE 8080 9090", " ".join(sorted(exposed)))
    volumes = " ".join(arguments for _, k, arguments in runtime if k == "VOLUME")
    check("/var/lib/gatehouse" in volumes, "VOLUME /var/lib/gatehouse for the SQLite store", volumes)

    installed = []
    for _, keyword, arguments in runtime:
        if keyword == "RUN" and "apt-get install" in arguments:
            installed += apt_packages(arguments)
            check("--no-install-recommends" in arguments, "runtime apt-get install uses --no-install-recommends")
            check("rm -rf /var/lib/apt/lists" in arguments, "runtime apt lists removed in the same RUN")
    extra = sorted(set(installed) - ALLOWED_RUNTIME_PACKAGES)
    check(not extra, "runtime installs only allowed packages", f"not allowed: {extra}")
    missing = sorted(REQUIRED_RUNTIME_PACKAGES - set(installed))
    check(not missing, "runtime installs libxml2, libxmlsec1-openssl, ca-certificates", f"missing: {missing}")
    print(f"     runtime packages: {' '.join(sorted(installed))}")
    return set(installed), healthcheck


def package_of(path):
    """The Debian package that owns a library, trying the usrmerge spellings of its path."""
    real = os.path.realpath(path)
    candidates = {path, real}
    for name in list(candidates):
        if name.startswith("/usr/lib/"):
            candidates.add(name[len("/usr") :])
        elif name.startswith("/lib/"):
            candidates.add("/usr" + name)
    for candidate in sorted(candidates):
        found = subprocess.run(["dpkg", "-S", candidate], capture_output=True, text=True)
        if found.returncode == 0:
            return found.stdout.split(":")[0].strip()
    return None


def dependency_closure(packages):
    """The packages apt installs for these: each one's Depends (and Pre-Depends), recursively."""
    seen, queue = set(), list(packages)
    while queue:
        package = queue.pop()
        if package in seen:
            continue
        seen.add(package)
        shown = subprocess.run(["dpkg-query", "-W", "-f=${Depends}, ${Pre-Depends}", package], capture_output=True, text=True)
        for alternative in shown.stdout.split(","):
            for choice in alternative.split("|"):
                name = choice.strip().split(" ")[0].split(":")[0]
                if name:
                    queue.append(name)
    return seen


def check_linked_libraries(installed):
    binary = BIN / "gatehouse"
    ldd = subprocess.run(["ldd", str(binary)], capture_output=True, text=True)
    if not check(ldd.returncode == 0, f"ldd {binary}", ldd.stderr.strip()):
        return
    provided = dependency_closure(installed)
    for line in ldd.stdout.splitlines():
        match = re.match(r"\s*(\S+) => (\S+)", line)
        if not match:
            continue  # the vDSO and the dynamic loader itself
        name, path = match.groups()
        if "/lib/swift/linux/" in path:
            archive = Path(path.replace("/lib/swift/linux/", "/lib/swift_static/linux/")).with_suffix(".a")
            check(archive.exists(), f"{name}: Swift runtime, linked statically (--static-swift-stdlib)", f"no {archive}")
            continue
        package = package_of(path)
        if package in BASE_IMAGE_PACKAGES:
            print(f"ok   {name}: {package} (in the base image)")
            continue
        check(
            package is not None and package in provided,
            f"{name}: {package} is installed by the runtime stage" + ("" if package in installed else " (as a dependency)"),
            f"{path} belongs to {package}, not installed by {sorted(installed)}",
        )


def check_healthcheck_live(healthcheck):
    if not healthcheck or healthcheck.upper().startswith("NONE"):
        return
    command = json.loads(healthcheck[healthcheck.index("CMD") + 3 :].strip())
    check(isinstance(command, list) and "9090" in " ".join(command), "HEALTHCHECK is an exec-form command on the admin port 9090")
    if not isinstance(command, list):
        return
    work = Path(tempfile.mkdtemp(prefix="gatehouse-dockerfile-test."))
    port, admin, closed = free_port(), free_port(), free_port()
    config = work / "gatehouse.yaml"
    config.write_text(
        f"listen: 127.0.0.1:{port}\nadmin_listen: 127.0.0.1:{admin}\npublic_url: http://127.0.0.1:{port}\n"
        f"upstream: http://127.0.0.1:{closed}\nstore: sqlite:{work}/gatehouse.db\ntenants: []\n"
    )
    log = open(work / "gatehouse.log", "w")
    server = subprocess.Popen([str(BIN / "gatehouse"), "serve", "--config", str(config)], stdout=log, stderr=subprocess.STDOUT)

    def probe(on_port):
        argv = [word.replace("9090", str(on_port)) for word in command]
        return subprocess.run(argv, capture_output=True, timeout=10).returncode

    try:
        wait_for(f"http://127.0.0.1:{admin}/healthz")
        check(probe(admin) == 0, "HEALTHCHECK passes against a live gatehouse's admin port")
        check(probe(closed) != 0, "HEALTHCHECK fails when nothing listens")
        check(probe(port) != 0, "HEALTHCHECK fails on a port that answers something other than 200 (the proxy's 302)")
    finally:
        stop(server, timeout=30)
        log.close()


def check_dockerignore():
    patterns = [line.strip() for line in DOCKERIGNORE.read_text().splitlines() if line.strip() and not line.startswith("#")]

    def ignored(path):
        verdict = False
        for pattern in patterns:
            negated = pattern.startswith("!")
            body = pattern[1:] if negated else pattern
            body = body.rstrip("/")
            if fnmatch.fnmatch(path, body) or fnmatch.fnmatch(path, body.replace("**/", "")) or path.startswith(body + "/"):
                verdict = not negated
        return verdict

    for path in [".build", ".build/release/gatehouse", ".build-fuzz", ".venv", ".git", "var", "artifacts", "gatehouse.db"]:
        check(ignored(path), f".dockerignore excludes {path}")
    for path in ["Package.swift", "Sources/Gatehouse/main.swift", "Tests", "examples/demo-upstream/Sources", "bench/saml-benchmark", "fuzz/saml"]:
        check(not ignored(path), f".dockerignore keeps {path} (Package.swift names it)")


def main():
    print(f"Dockerfile {DOCKERFILE}, binaries from {BIN}")
    check(HADOLINT.exists(), f"hadolint at {HADOLINT}")
    parsed = instructions(DOCKERFILE.read_text())
    if HADOLINT.exists():
        check_hadolint()
    installed, healthcheck = check_structure(parsed)
    check_linked_libraries(installed)
    check_healthcheck_live(healthcheck)
    check_dockerignore()
    if failures:
        print(f"\n{len(failures)} check(s) failed:", *failures, sep="\n  ")
        sys.exit(1)
    print("\nDockerfile: every check passed")


if __name__ == "__main__":
    main()
