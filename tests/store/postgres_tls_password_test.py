"""PostgreSQL over TLS with a password, as a managed database is reached: a cluster of our own
with `ssl = on`, a server certificate for 127.0.0.1 from a CA made here, and pg_hba allowing the
test role only over TLS with scram-sha-256. `gatehouse store status` (the store's own connection
code: postgres-nio with swift-nio-ssl) must connect with `sslmode=verify-full` and the CA, the
password from `store_password_file`, from `GATEHOUSE_STORE_PASSWORD` (`store_password`) or from the
URL; and must be refused with a wrong password, without TLS, and with `verify-full` against another
CA. `require` encrypts without
checking the certificate, as libpq's does."""
import os
import pathlib
import subprocess
import sys
import tempfile

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "python"))
from store_support import BIN, CHILD_ENV, CLUSTER_SCRIPT, ROOT  # noqa: E402

PASSWORD = "s3cret-Ünïcode pass"
FAILURES = []


def check(condition, message):
    print(("ok: " if condition else "FAIL: ") + message)
    if not condition:
        FAILURES.append(message)


def run(command, **kwargs):
    return subprocess.run(command, capture_output=True, text=True, **kwargs)


def make_ca(work, name):
    key, cert = work / f"{name}-ca.key", work / f"{name}-ca.pem"
    run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", f"/CN={name} test CA",
         "-keyout", str(key), "-out", str(cert)], check=True)
    return key, cert


def make_server_cert(work, ca_key, ca_cert):
    key, csr, cert, ext = work / "server.key", work / "server.csr", work / "server.pem", work / "server.ext"
    ext.write_text("subjectAltName=IP:127.0.0.1\n")
    run(["openssl", "req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1", "-keyout", str(key), "-out", str(csr)], check=True)
    run(["openssl", "x509", "-req", "-in", str(csr), "-CA", str(ca_cert), "-CAkey", str(ca_key), "-CAcreateserial", "-days", "2",
         "-extfile", str(ext), "-out", str(cert)], check=True)
    return key, cert


def main():
    work = pathlib.Path(tempfile.mkdtemp(prefix="gatehouse-pg-tls-"))
    cluster = pathlib.Path(tempfile.mkdtemp(prefix="gatehouse-pg-tls-cluster-"))
    os.chmod(work, 0o755)
    try:
        admin = run([str(CLUSTER_SCRIPT), "start", str(cluster)], check=True).stdout.strip()
        port = admin.split("@127.0.0.1:")[1].split("/")[0]
        ca_key, ca_cert = make_ca(work, "right")
        _, other_ca = make_ca(work, "other")
        server_key, server_cert = make_server_cert(work, ca_key, ca_cert)
        data = cluster / "data"
        for path in (server_key, server_cert):
            os.chmod(path, 0o600 if path == server_key else 0o644)
            if os.getuid() == 0:
                os.chown(path, int(run(["id", "-u", "postgres"]).stdout), int(run(["id", "-g", "postgres"]).stdout))
        with open(data / "postgresql.conf", "a") as conf:
            conf.write(f"\nssl = on\nssl_cert_file = '{server_cert}'\nssl_key_file = '{server_key}'\npassword_encryption = scram-sha-256\n")
        run(["psql", "-X", "-q", admin, "-c", "CREATE ROLE gh LOGIN PASSWORD $$" + PASSWORD + "$$", "-c", "CREATE DATABASE gh OWNER gh"],
            check=True)
        hba = data / "pg_hba.conf"
        hba.write_text("hostssl gh gh 127.0.0.1/32 scram-sha-256\nhost gh gh 127.0.0.1/32 reject\n" + hba.read_text())
        run([str(CLUSTER_SCRIPT), "stop", str(cluster)], check=True)
        run([str(CLUSTER_SCRIPT), "start", str(cluster)], check=True)
        password_file = work / "password"
        password_file.write_text(PASSWORD + "\n")
        wrong_file = work / "wrong"
        wrong_file.write_text("not-the-password\n")

        def status(url, extra="", env=None):
            config = work / "gatehouse.yaml"
            config.write_text(f"public_url: http://127.0.0.1:8080\nupstream: http://127.0.0.1:3000\nstore: {url}\nstore_timeout: 3s\n"
                              f"tenants: []\n{extra}")
            return run([str(BIN / "gatehouse"), "store", "status", "--config", str(config)], env={**CHILD_ENV, **(env or {})}, timeout=60)

        base = f"postgres://gh@127.0.0.1:{port}/gh"
        verified = f"{base}?sslmode=verify-full&sslrootcert={ca_cert}"
        ok = status(verified, f"store_password_file: {password_file}\n")
        check(ok.returncode == 0 and "backend\tpostgres" in ok.stdout,
              f"verify-full with the CA and the password file connects (rc {ok.returncode}: {ok.stderr.strip()[-300:]})")
        from_env = status(verified, env={"GATEHOUSE_STORE_PASSWORD": PASSWORD})
        check(from_env.returncode == 0, f"the password from GATEHOUSE_STORE_PASSWORD connects (rc {from_env.returncode})")
        from_url = status(verified.replace("gh@", "gh:s3cret-%C3%9Cn%C3%AFcode%20pass@"))
        check(from_url.returncode == 0, f"the password in the URL (percent-encoded) connects (rc {from_url.returncode})")
        required = status(f"{base}?sslmode=require", f"store_password_file: {password_file}\n")
        check(required.returncode == 0, f"require encrypts without checking the certificate (rc {required.returncode})")
        # The file wins over the URL's password.
        file_wins = status(verified.replace("gh@", "gh:wrong@"), f"store_password_file: {password_file}\n")
        check(file_wins.returncode == 0, f"store_password_file wins over the URL's password (rc {file_wins.returncode})")

        wrong = status(verified, f"store_password_file: {wrong_file}\n")
        check(wrong.returncode == 1 and PASSWORD not in wrong.stderr and "not-the-password" not in wrong.stderr,
              f"a wrong password is refused, and no password is printed (rc {wrong.returncode})")
        plain = status(f"{base}?sslmode=disable", f"store_password_file: {password_file}\n")
        check(plain.returncode == 1, f"without TLS the server refuses the role (rc {plain.returncode})")
        other = status(f"{base}?sslmode=verify-full&sslrootcert={other_ca}", f"store_password_file: {password_file}\n")
        check(other.returncode == 1, f"verify-full against another CA is refused (rc {other.returncode})")
        wrong_name = status(f"postgres://gh@localhost:{port}/gh?sslmode=verify-full&sslrootcert={ca_cert}",
                            f"store_password_file: {password_file}\n")
        # swift-nio-ssl matches a certificate's IP addresses against the address connected to, also
        # when the URL names a host: the certificate names 127.0.0.1, localhost connected there.
        # (libpq would refuse; documented in docs/storage.md.)
        check(wrong_name.returncode == 0, f"verify-full to localhost, whose address the certificate names, connects (rc {wrong_name.returncode})")
        activity = run(["psql", "-X", "-At", admin, "-c", "SELECT count(*) FROM pg_stat_ssl WHERE ssl"]).stdout.strip()
        print(f"(TLS connections open now: {activity})")
    finally:
        run([str(CLUSTER_SCRIPT), "stop", str(cluster)])
        run(["rm", "-rf", str(cluster), str(work)])
    if FAILURES:
        print(f"postgres TLS/password test failed: {len(FAILURES)} check(s)")
        sys.exit(1)
    print("postgres TLS/password test passed")


if __name__ == "__main__":
    main()
