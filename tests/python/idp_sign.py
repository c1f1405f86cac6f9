"""A stand-in Okta for end-to-end tests: signs a SAML Response with signxml (not libxmlsec1), shaped
like the fixtures (generate.py), with the times and ids the test gives. Reads a JSON object on
stdin, prints the base64 of the signed response.

Keys: in_response_to (omit for IdP-initiated), acs, audience, email, now (epoch seconds),
lifetime (seconds, default 300), session_not_on_or_after (epoch seconds, optional), role (the
`role` attribute's value, ANALYST by default)."""
import base64
import datetime
import json
import pathlib
import sys
import uuid

FIXTURES = pathlib.Path(__file__).resolve().parents[2] / "Tests" / "GatehouseSAMLTests" / "Fixtures"
sys.path.insert(0, str(FIXTURES))
import generate  # noqa: E402  (the fixtures' template and Okta-shaped signer)


def stamp(seconds):
    return datetime.datetime.fromtimestamp(seconds, tz=datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def main():
    request = json.load(sys.stdin)
    now = request["now"]
    values = dict(
        generate.GOOD, destination=request["acs"], recipient=request["acs"], audience=request["audience"],
        in_response_to=request.get("in_response_to") or "", not_before=stamp(now - 60), not_on_or_after=stamp(now + request.get("lifetime", 300)),
        nameid=request["email"], email=request["email"],
    )
    response = generate.TEMPLATE.format(**values)
    if "role" in request:  # the template's role attribute says ANALYST
        response = response.replace(">ANALYST<", f">{request['role']}<")
    if not request.get("in_response_to"):
        response = response.replace(' InResponseTo=""', "")
    session_end = request.get("session_not_on_or_after", now + 8 * 3600)
    response = response.replace('SessionNotOnOrAfter="2026-11-29T20:00:00.000Z"', f'SessionNotOnOrAfter="{stamp(session_end)}"')
    response = response.replace('IssueInstant="2026-11-29T12:00:00.000Z"', f'IssueInstant="{stamp(now)}"')
    assertion_id = "id-" + uuid.uuid4().hex  # a fresh assertion each time, as an IdP sends
    response = response.replace('ID="id-assertion-1"', f'ID="{assertion_id}"')
    key = (FIXTURES / "idp.key").read_bytes()
    certificate = (FIXTURES / "idp.crt").read_bytes()
    root = generate.etree.fromstring(response.encode())
    assertion = root.find(generate.A + "Assertion")
    root.replace(assertion, generate.okta_signer().sign(assertion, key=key, cert=certificate, reference_uri=assertion_id))
    sys.stdout.write(base64.b64encode(generate.etree.tostring(root)).decode())


if __name__ == "__main__":
    main()
