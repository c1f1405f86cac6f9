"""A stand-in Okta's IdP-initiated logout: prints the HTTP-Redirect query of a LogoutRequest for
the NameID and SessionIndex given, signed over the query with `cryptography` (as generate.py
does). Arguments: DESTINATION NAMEID SESSION_INDEX [KEY_FILE]; KEY_FILE defaults to the fixtures'
idp.key (another key makes a forged request)."""
import pathlib
import sys

FIXTURES = pathlib.Path(__file__).resolve().parents[2] / "Tests" / "GatehouseSAMLTests" / "Fixtures"
sys.path.insert(0, str(FIXTURES))
import generate  # noqa: E402


def main():
    destination, name_id, session_index = sys.argv[1:4]
    key_file = pathlib.Path(sys.argv[4]) if len(sys.argv) > 4 else FIXTURES / "idp.key"
    xml = (generate.LOGOUT_REQUEST.replace("https://dash.example.com/sso/saml/acme/slo", destination)
           .replace(">alice@acme.com<", f">{name_id}<").replace(">id-session-1<", f">{session_index}<"))
    sys.stdout.write(generate.redirect_query(xml, key_file.read_bytes(), relay_state="r1"))


if __name__ == "__main__":
    main()
