# syntax=docker/dockerfile:1
#
# Gatehouse container image: a Swift build stage, then a slim Debian 12 runtime that holds the
# binary and the C libraries it links (libxml2, libxmlsec1 with its OpenSSL backend, SQLite,
# OpenSSL, zlib) and nothing else.
#
#   docker build -t gatehouse .
#   docker run -p 8080:8080 -p 9090:9090 -v "$PWD/gatehouse.yaml:/etc/gatehouse/gatehouse.yaml:ro" gatehouse
#
# This file has never been built on the machines Gatehouse is developed on: they have no Docker
# engine. `make test` lints it with hadolint and checks, with ldd and dpkg, that every library the
# binary links comes from a package installed below (tests/deployment/dockerfile_test.py). The
# first real `docker build` is still to be done.
#
# Swift's runtime and Foundation are linked into the binary (--static-swift-stdlib; the toolchain
# ships static archives of all of them, FoundationICU with its data included), so the runtime
# image needs no Swift libraries. The C libraries stay dynamic: they come from Debian and get its
# security updates whenever the image is rebuilt.
#
# At run time the image wants: the config at /etc/gatehouse/gatehouse.yaml (mount it read-only),
# a writable /var/lib/gatehouse for a SQLite store, and a writable /tmp (Gatehouse serves sign-in
# over a Unix socket in a private directory there; with a read-only root filesystem mount an
# emptyDir or tmpfs on /tmp).

ARG SWIFT_VERSION=6.3

FROM swift:${SWIFT_VERSION}-bookworm AS build

# The -dev packages the Makefile's `deps` installs for a build. Not pinned: bookworm's security
# updates replace these versions in the archive, and a pin to a removed version breaks the build.
# hadolint ignore=DL3008
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        libnghttp2-dev libsqlite3-dev libssl-dev libxml2-dev libxmlsec1-dev libxmlsec1-openssl pkg-config zlib1g-dev \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /build

# Dependencies first, so a change to the sources does not fetch them again.
COPY Package.swift Package.resolved* ./
RUN swift package resolve

COPY . .

# The build directory is a cache mount, so the binary is copied out in the same step.
RUN --mount=type=cache,target=/build/.build \
    swift build -c release --product gatehouse --static-swift-stdlib \
    && install -D -m 0755 "$(swift build -c release --show-bin-path)/gatehouse" /staging/gatehouse \
    && install -D -m 0755 /usr/libexec/swift/linux/swift-backtrace-static /staging/swift-backtrace

FROM debian:bookworm-slim AS runtime

# Only what the binary links, plus the CA bundle for IdP metadata fetched over https. libxslt,
# libicu and liblzma come in as dependencies of libxmlsec1 and libxml2. Not pinned, for the same
# reason as above: a rebuild must pick up bookworm's security updates, not fail on them.
# hadolint ignore=DL3008
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        ca-certificates libsqlite3-0 libssl3 libxml2 libxmlsec1 libxmlsec1-openssl zlib1g \
    && rm -rf /var/lib/apt/lists/*

# A fixed, non-root UID/GID (65532, as distroless "nonroot" and the Helm chart's securityContext
# use), so file ownership on volumes is the same everywhere.
RUN groupadd --system --gid 65532 gatehouse \
    && useradd --system --uid 65532 --gid 65532 --no-create-home --home-dir /var/lib/gatehouse \
        --shell /usr/sbin/nologin gatehouse \
    && mkdir -p /etc/gatehouse /var/lib/gatehouse \
    && chown 65532:65532 /var/lib/gatehouse \
    && chmod 0750 /var/lib/gatehouse

COPY --from=build /staging/gatehouse /usr/local/bin/gatehouse
COPY --from=build /staging/swift-backtrace /usr/local/libexec/swift-backtrace

# A crash prints a symbolicated backtrace of every thread to the log instead of just dying.
ENV SWIFT_BACKTRACE=enable=yes,sanitize=yes,threads=all,images=all,interactive=no,swift-backtrace=/usr/local/libexec/swift-backtrace

USER 65532:65532
WORKDIR /var/lib/gatehouse
# The SQLite store (`store: sqlite:/var/lib/gatehouse/gatehouse.db`); unused with PostgreSQL.
VOLUME ["/var/lib/gatehouse"]

# 8080: proxy, sign-in and SCIM (`listen`); 9090: /healthz, /readyz, /metrics (`admin_listen`).
EXPOSE 8080 9090

# /healthz on the admin port, without adding curl or wget to the image: bash (in every Debian
# image) opens the TCP connection itself. It assumes the default `admin_listen` port 9090; with
# another port, override the check (compose `healthcheck:`) or use Kubernetes probes
# (httpGet /healthz and /readyz on the admin port), which need no tool in the image at all.
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
    CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/9090 && printf 'GET /healthz HTTP/1.1\\r\\nHost: localhost\\r\\nConnection: close\\r\\n\\r\\n' >&3 && IFS= read -r status <&3 && [[ $status == 'HTTP/1.1 200'* ]]"]

ENTRYPOINT ["gatehouse"]
CMD ["serve", "--config", "/etc/gatehouse/gatehouse.yaml"]
