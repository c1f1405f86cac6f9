"""Signed responses whose identity values hold control characters (IdentityValueCheck), one
defect each, signed by signxml with the fixtures' IdP key. `make fixtures` writes them with the
fresh keys (generate.py calls `write_all`); run alone, this signs with the committed idp.key so
only these files change."""
import pathlib

import generate

HERE = pathlib.Path(__file__).parent

# (file, changes to generate.GOOD, raw text put into the id attribute instead of 00u1abcd)
DEFECTS = {
    # A header split: the NameID (also the fallback email) carries CR LF and a header of its own.
    "nameid-crlf.xml": (dict(nameid="alice@acme.com&#13;&#10;X-Forwarded-Role: ADMINISTRATOR"), None),
    # A line feed in the email attribute (the NameID is clean).
    "email-lf.xml": (dict(email="alice@acme.com&#10;x-injected: 1"), None),
    # NUL in the id attribute: XML 1.0 cannot carry it, so the parser refuses the document.
    "id-nul.xml": ({}, "00u1&#0;abcd"),
    # DEL in the id attribute: legal XML, a control character all the same.
    "id-del.xml": ({}, "00u1\x7fabcd"),
    # A tab in the id attribute (legal XML and legal in a header, refused: see IdentityValueCheck).
    "id-tab.xml": ({}, "00u1&#9;abcd"),
    # A C1 control (NEL, U+0085) in the role attribute.
    "role-c1.xml": ({}, None),
}


def responses():
    for name, (changes, identifier) in DEFECTS.items():
        response = generate.TEMPLATE.format(**{**generate.GOOD, **changes})
        if identifier is not None:
            response = response.replace(">00u1abcd<", f">{identifier}<")
        if name == "role-c1.xml":
            response = response.replace(">ANALYST<", ">ANALYST\u0085<")
        yield name, response


def write_all(idp_key, idp_cert):
    for name, response in responses():
        if name == "id-nul.xml":  # lxml cannot parse it to sign it: sign a placeholder, then swap
            signed = generate.sign_assertion(idp_key, idp_cert, response=response.replace("&#0;", "NUL0"))
            generate.write(name, signed.replace(b"NUL0", b"&#0;"))
        else:
            generate.write(name, generate.sign_assertion(idp_key, idp_cert, response=response))


if __name__ == "__main__":
    write_all((HERE / "idp.key").read_bytes(), (HERE / "idp.crt").read_bytes())
