"""A stand-in Okta's IdP-initiated logout: prints the HTTP-Redirect query of a LogoutRequest for
the NameID and SessionIndex given, signed over the query with `cryptography` (as generate.py
does). Arguments: DESTINATION NAMEID SESSION_INDEX [KEY_FILE] [--id ID] [--issued-seconds-ago N];
KEY_FILE defaults to the fixtures' idp.key (another key makes a forged request). The request is
issued now (N seconds ago, negative for the future) with a fresh ID unless --id is given."""
import argparse
import datetime
import pathlib
import sys
import uuid

FIXTURES = pathlib.Path(__file__).resolve().parents[2] / "Tests" / "GatehouseSAMLTests" / "Fixtures"
sys.path.insert(0, str(FIXTURES))
import generate  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("destination")
    parser.add_argument("name_id")
    parser.add_argument("session_index")
    parser.add_argument("key_file", nargs="?", default=str(FIXTURES / "idp.key"))
    parser.add_argument("--id", default="id-logout-" + uuid.uuid4().hex)
    parser.add_argument("--issued-seconds-ago", type=float, default=0)
    arguments = parser.parse_args()
    issued = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(seconds=arguments.issued_seconds_ago)
    xml = (generate.LOGOUT_REQUEST.replace("https://dash.example.com/sso/saml/acme/slo", arguments.destination)
           .replace(">alice@acme.com<", f">{arguments.name_id}<").replace(">id-session-1<", f">{arguments.session_index}<")
           .replace('ID="id-logout-1"', f'ID="{arguments.id}"')
           .replace('IssueInstant="2026-11-29T12:00:00.000Z"', f'IssueInstant="{issued.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3]}Z"'))
    sys.stdout.write(generate.redirect_query(xml, pathlib.Path(arguments.key_file).read_bytes(), relay_state="r1"))


if __name__ == "__main__":
    main()
