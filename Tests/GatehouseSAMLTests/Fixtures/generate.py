"""Signs SAML responses with signxml (not libxmlsec1) for the XML signature tests.

Run by `make fixtures` (output committed beside this file, so `make test` needs no Python for
them). Shaped like Okta's: saml2p/saml2 prefixes, signed Assertion, exclusive c14n, RSA-SHA256.
"""
import datetime
import pathlib

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
import base64
import os
import urllib.parse
import zlib

from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives import padding as symmetric_padding
from cryptography.x509.oid import NameOID
from lxml import etree
from signxml import XMLSigner, SignatureMethod, DigestAlgorithm

HERE = pathlib.Path(__file__).parent
NOW = datetime.datetime(2026, 11, 29, 12, 0, 0, tzinfo=datetime.timezone.utc)


def key_and_certificate(name):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    certificate = (
        x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(NOW - datetime.timedelta(days=1))
        .not_valid_after(NOW + datetime.timedelta(days=3650)).sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    return key_pem, certificate.public_bytes(serialization.Encoding.PEM)


ACS = "https://dash.example.com/sso/saml/acme/acs"
AUDIENCE = "https://dash.example.com/sso/saml/acme/metadata"
IDP = "http://www.okta.com/exk123"

TEMPLATE = """<saml2p:Response xmlns:saml2p="urn:oasis:names:tc:SAML:2.0:protocol" Destination="{destination}" ID="id-response-1" InResponseTo="{in_response_to}" IssueInstant="2026-11-29T12:00:00.000Z" Version="2.0"><saml2:Issuer xmlns:saml2="urn:oasis:names:tc:SAML:2.0:assertion" Format="urn:oasis:names:tc:SAML:2.0:nameid-format:entity">{issuer}</saml2:Issuer><saml2p:Status><saml2p:StatusCode Value="{status}"/></saml2p:Status><saml2:Assertion xmlns:saml2="urn:oasis:names:tc:SAML:2.0:assertion" ID="id-assertion-1" IssueInstant="2026-11-29T12:00:00.000Z" Version="2.0"><saml2:Issuer Format="urn:oasis:names:tc:SAML:2.0:nameid-format:entity">{issuer}</saml2:Issuer><ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#" Id="placeholder"/><saml2:Subject><saml2:NameID Format="urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress">{nameid}</saml2:NameID><saml2:SubjectConfirmation Method="{method}"><saml2:SubjectConfirmationData InResponseTo="{in_response_to}" NotOnOrAfter="{not_on_or_after}" Recipient="{recipient}"/></saml2:SubjectConfirmation></saml2:Subject><saml2:Conditions NotBefore="{not_before}" NotOnOrAfter="{not_on_or_after}"><saml2:AudienceRestriction><saml2:Audience>{audience}</saml2:Audience></saml2:AudienceRestriction></saml2:Conditions><saml2:AuthnStatement AuthnInstant="2026-11-29T12:00:00.000Z" SessionIndex="id-session-1" SessionNotOnOrAfter="2026-11-29T20:00:00.000Z"><saml2:AuthnContext><saml2:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport</saml2:AuthnContextClassRef></saml2:AuthnContext></saml2:AuthnStatement><saml2:AttributeStatement><saml2:Attribute Name="id" NameFormat="urn:oasis:names:tc:SAML:2.0:attrname-format:unspecified"><saml2:AttributeValue>00u1abcd</saml2:AttributeValue></saml2:Attribute><saml2:Attribute Name="http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress" NameFormat="urn:oasis:names:tc:SAML:2.0:attrname-format:uri"><saml2:AttributeValue>{email}</saml2:AttributeValue></saml2:Attribute><saml2:Attribute Name="role"><saml2:AttributeValue>ANALYST</saml2:AttributeValue></saml2:Attribute></saml2:AttributeStatement></saml2:Assertion></saml2p:Response>"""

GOOD = dict(
    destination=ACS, recipient=ACS, audience=AUDIENCE, issuer=IDP, in_response_to="id-request-1",
    status="urn:oasis:names:tc:SAML:2.0:status:Success", method="urn:oasis:names:tc:SAML:2.0:cm:bearer",
    not_before="2026-11-29T11:55:00.000Z", not_on_or_after="2026-11-29T12:05:00.000Z",
    nameid="alice@acme.com", email="alice@acme.com",
)
RESPONSE = TEMPLATE.format(**GOOD)

# One defect per fixture: (file, changes to GOOD).
SEMANTIC_DEFECTS = {
    "wrong-destination.xml": dict(destination="https://evil.example.com/sso/saml/acme/acs"),
    "destination-prefix.xml": dict(destination=ACS[:-1]),
    "destination-suffix.xml": dict(destination=ACS + ".evil.com"),
    "wrong-recipient.xml": dict(recipient="https://evil.example.com/sso/saml/acme/acs"),
    "recipient-prefix.xml": dict(recipient=ACS[:-1]),
    "recipient-suffix.xml": dict(recipient=ACS + "/extra"),
    "wrong-audience.xml": dict(audience="https://other.example.com/sso/saml/acme/metadata"),
    "audience-prefix.xml": dict(audience=AUDIENCE[:-1]),
    "audience-suffix.xml": dict(audience=AUDIENCE + "x"),
    "wrong-issuer.xml": dict(issuer="http://www.okta.com/exk999"),
    "issuer-prefix.xml": dict(issuer=IDP[:-1]),
    "issuer-suffix.xml": dict(issuer=IDP + "0"),
    "expired.xml": dict(not_before="2026-11-29T10:00:00.000Z", not_on_or_after="2026-11-29T10:05:00.000Z"),
    "not-yet-valid.xml": dict(not_before="2026-11-29T13:00:00.000Z", not_on_or_after="2026-11-29T13:05:00.000Z"),
    "not-bearer.xml": dict(method="urn:oasis:names:tc:SAML:2.0:cm:holder-of-key"),
    "unknown-in-response-to.xml": dict(in_response_to="id-request-forged"),
    "status-not-success.xml": dict(status="urn:oasis:names:tc:SAML:2.0:status:Requester"),
    "nameid-comment.xml": dict(nameid="alice@acme.com<!---->.evil.com", email="alice@acme.com<!---->.evil.com"),
}


def okta_signer(method=SignatureMethod.RSA_SHA256, digest=DigestAlgorithm.SHA256):
    """Exclusive c14n and the ds: prefix, as Okta signs; SHA-1 only through LegacySHA1Signer."""
    signer = (LegacySHA1Signer if method == SignatureMethod.RSA_SHA1 else XMLSigner)(
        signature_algorithm=method, digest_algorithm=digest, c14n_algorithm="http://www.w3.org/2001/10/xml-exc-c14n#",
    )
    signer.namespaces = {"ds": "http://www.w3.org/2000/09/xmldsig#"}
    return signer


def _without_signature(data):
    root = etree.fromstring(data)
    assertion = root.find("{urn:oasis:names:tc:SAML:2.0:assertion}Assertion")
    assertion.remove(assertion.find("{http://www.w3.org/2000/09/xmldsig#}Signature"))
    return root


def sign_reference_elsewhere(key_pem, cert_pem):
    """A valid signature over the Response, sitting inside the Assertion."""
    root = etree.fromstring(RESPONSE.encode())
    return etree.tostring(okta_signer().sign(root, key=key_pem, cert=cert_pem, reference_uri="id-response-1"))


class LegacySHA1Signer(XMLSigner):
    """signxml refuses SHA-1 by default; an old IdP does not, and Gatehouse must refuse it itself."""

    def check_deprecated_methods(self):
        pass


def sign_assertion(key_pem, cert_pem, include_certificate=True, response=None, method=SignatureMethod.RSA_SHA256, digest=DigestAlgorithm.SHA256):
    root = etree.fromstring((response or RESPONSE).encode())
    assertion = root.find("{urn:oasis:names:tc:SAML:2.0:assertion}Assertion")
    signed = okta_signer(method, digest).sign(assertion, key=key_pem, cert=cert_pem if include_certificate else None, reference_uri="id-assertion-1")
    root.replace(assertion, signed)
    return etree.tostring(root)


DS = "{http://www.w3.org/2000/09/xmldsig#}"
P = "{urn:oasis:names:tc:SAML:2.0:protocol}"
A = "{urn:oasis:names:tc:SAML:2.0:assertion}"


def sign_response(key_pem, cert_pem, signed_assertion=None):
    """Okta's other shape: the Response signed (the Signature right after the Issuer); with
    `signed_assertion`, both are signed."""
    unsigned = RESPONSE.replace('<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#" Id="placeholder"/>', "").encode()
    root = etree.fromstring(signed_assertion or unsigned)
    placeholder = etree.Element(DS + "Signature", nsmap={"ds": DS[1:-1]}, Id="placeholder")
    root.insert(1, placeholder)
    return etree.tostring(okta_signer().sign(root, key=key_pem, cert=cert_pem, reference_uri="id-response-1"))


def evil(element, new_id):
    """A forged copy: new ID, role raised, no signature of its own."""
    copy = etree.fromstring(etree.tostring(element))
    copy.set("ID", new_id)
    for signature in copy.findall(DS + "Signature"):
        copy.remove(signature)
    for value in copy.iter(A + "AttributeValue"):
        value.text = "ADMINISTRATOR"
    return copy


def wrapping_attacks(signed_response, signed_assertion):
    """XSW1-XSW8 (Somorovsky et al., "On Breaking SAML", 2012), as SAML Raider builds them."""
    attacks = {}
    # XSW1/XSW2: signed Response. The original goes inside (1) or beside (2) the Signature; the
    # outer, forged Response gets a new ID and a forged assertion.
    for number in (1, 2):
        root = etree.fromstring(signed_response)
        original = etree.fromstring(signed_response)
        original.remove(original.find(DS + "Signature"))
        forged = evil(root, "id-forged-response")
        signature = root.find(DS + "Signature")
        forged.insert(1, signature)
        if number == 1:
            signature.append(original)
        else:
            forged.insert(1, original)
        attacks[f"xsw{number}.xml"] = etree.tostring(forged)
    # XSW3-XSW8: signed Assertion.
    def parts():
        root = etree.fromstring(signed_assertion)
        return root, root.find(A + "Assertion")

    root, original = parts()                       # XSW3: forged assertion before the original
    root.insert(list(root).index(original), evil(original, "id-forged-assertion"))
    attacks["xsw3.xml"] = etree.tostring(root)
    root, original = parts()                       # XSW4: forged assertion wraps the original
    forged = evil(original, "id-forged-assertion")
    root.replace(original, forged)
    forged.append(original)
    attacks["xsw4.xml"] = etree.tostring(root)
    root, original = parts()                       # XSW5: signature stays in the forged one, copy at the end
    forged = evil(original, "id-forged-assertion")
    forged.insert(1, original.find(DS + "Signature"))
    copy = etree.fromstring(etree.tostring(original))
    root.replace(original, forged)
    root.append(copy)
    attacks["xsw5.xml"] = etree.tostring(root)
    root, original = parts()                       # XSW6: the original copy inside the forged one's Signature
    forged = evil(original, "id-forged-assertion")
    root.replace(original, forged)
    signature = original.find(DS + "Signature")
    original.remove(signature)
    forged.insert(1, signature)
    signature.append(original)
    attacks["xsw6.xml"] = etree.tostring(root)
    root, original = parts()                       # XSW7: the original inside an Extensions element
    extensions = etree.Element(P + "Extensions")
    extensions.append(etree.fromstring(etree.tostring(original)))
    root.insert(1, extensions)
    root.replace(original, evil(original, "id-forged-assertion"))
    attacks["xsw7.xml"] = etree.tostring(root)
    root, original = parts()                       # XSW8: the original (unsigned) in a ds:Object of the forged one's Signature
    forged = evil(original, "id-forged-assertion")
    root.replace(original, forged)
    signature = original.find(DS + "Signature")
    original.remove(signature)
    forged.insert(1, signature)
    holder = etree.SubElement(signature, DS + "Object")
    holder.append(original)
    attacks["xsw8.xml"] = etree.tostring(root)
    return attacks


def certificate_body(cert_pem):
    return "".join(line for line in cert_pem.decode().splitlines() if "CERTIFICATE" not in line)


def metadata(certificates, sso="https://acme.okta.com/app/acme_dash/exk123/sso/saml", extra=""):
    """Shaped like Okta's app metadata; certificates are (body, use) pairs, use None for no `use`."""
    keys = "".join(
        f'<md:KeyDescriptor{"" if use is None else f" use={chr(34)}{use}{chr(34)}"}><ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:X509Data><ds:X509Certificate>{body}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>'
        for body, use in certificates
    )
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="{IDP}" validUntil="2036-11-29T00:00:00Z" cacheDuration="PT30M">'
        f'<md:IDPSSODescriptor WantAuthnRequestsSigned="false" protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">{keys}'
        '<md:SingleLogoutService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://acme.okta.com/app/acme_dash/exk123/slo/saml"/>'
        '<md:NameIDFormat>urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified</md:NameIDFormat>'
        '<md:NameIDFormat>urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress</md:NameIDFormat>'
        f'<md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="{sso}"/>'
        f'<md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="{sso}"/>'
        f"{extra}</md:IDPSSODescriptor></md:EntityDescriptor>"
    )


XENC = "http://www.w3.org/2001/04/xmlenc#"
GCM = {"aes128-gcm": 16, "aes256-gcm": 32}
CBC = {"aes128-cbc": 16, "aes256-cbc": 32}


def encrypt_assertion(response, recipient_cert_pem, content="aes256-gcm", transport="rsa-oaep-mgf1p", forged_sibling=False):
    """Okta's EncryptedAssertion, written with `cryptography` (not libxmlsec1): the assertion as
    it stands (signed or not) encrypted with a fresh AES key, that key wrapped with RSA-OAEP for
    the SP certificate inside EncryptedData/KeyInfo/EncryptedKey."""
    root = etree.fromstring(response)
    assertion = root.find(A + "Assertion")
    plaintext = etree.tostring(assertion)
    if forged_sibling:  # a second, unsigned assertion smuggled inside the ciphertext
        plaintext += etree.tostring(evil(assertion, "id-forged-assertion"))
    if content in GCM:
        key = os.urandom(GCM[content])
        iv = os.urandom(12)
        ciphertext = iv + AESGCM(key).encrypt(iv, plaintext, None)
        content_uri = "http://www.w3.org/2009/xmlenc11#" + content
    else:
        key = os.urandom(CBC[content])
        iv = os.urandom(16)
        padder = symmetric_padding.PKCS7(128).padder()
        padded = padder.update(plaintext) + padder.finalize()
        encryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor()
        ciphertext = iv + encryptor.update(padded) + encryptor.finalize()
        content_uri = XENC + content
    public_key = x509.load_pem_x509_certificate(recipient_cert_pem).public_key()
    if transport == "rsa-1_5":
        wrapped = public_key.encrypt(key, padding.PKCS1v15())
    else:
        wrapped = public_key.encrypt(key, padding.OAEP(mgf=padding.MGF1(hashes.SHA1()), algorithm=hashes.SHA1(), label=None))
    encrypted = (
        f'<saml2:EncryptedAssertion xmlns:saml2="urn:oasis:names:tc:SAML:2.0:assertion"><xenc:EncryptedData xmlns:xenc="{XENC}" Id="_ed1" Type="{XENC}Element">'
        f'<xenc:EncryptionMethod Algorithm="{content_uri}"/><ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><xenc:EncryptedKey Id="_ek1">'
        f'<xenc:EncryptionMethod Algorithm="{XENC}{transport}"><ds:DigestMethod Algorithm="http://www.w3.org/2000/09/xmldsig#sha1"/></xenc:EncryptionMethod>'
        f"<xenc:CipherData><xenc:CipherValue>{base64.b64encode(wrapped).decode()}</xenc:CipherValue></xenc:CipherData></xenc:EncryptedKey></ds:KeyInfo>"
        f"<xenc:CipherData><xenc:CipherValue>{base64.b64encode(ciphertext).decode()}</xenc:CipherValue></xenc:CipherData></xenc:EncryptedData></saml2:EncryptedAssertion>"
    )
    root.replace(assertion, etree.fromstring(encrypted))
    return etree.tostring(root)


RSA_SHA256 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
LOGOUT_REQUEST = (
    '<saml2p:LogoutRequest xmlns:saml2p="urn:oasis:names:tc:SAML:2.0:protocol" Destination="https://dash.example.com/sso/saml/acme/slo" '
    'ID="id-logout-1" IssueInstant="2026-11-29T12:00:00.000Z" Version="2.0"><saml2:Issuer xmlns:saml2="urn:oasis:names:tc:SAML:2.0:assertion">'
    f'{IDP}</saml2:Issuer><saml2:NameID xmlns:saml2="urn:oasis:names:tc:SAML:2.0:assertion" Format="urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress">'
    'alice@acme.com</saml2:NameID><saml2p:SessionIndex>id-session-1</saml2p:SessionIndex></saml2p:LogoutRequest>'
)


def redirect_query(xml, key_pem, relay_state="token-1"):
    """The HTTP-Redirect binding as an IdP sends it (bindings 3.4.4.1), signed with `cryptography`."""
    compressor = zlib.compressobj(wbits=-15)
    deflated = compressor.compress(xml.encode()) + compressor.flush()
    quote = lambda value: urllib.parse.quote(value, safe="")
    query = f"SAMLRequest={quote(base64.b64encode(deflated).decode())}&RelayState={quote(relay_state)}&SigAlg={quote(RSA_SHA256)}"
    key = serialization.load_pem_private_key(key_pem, password=None)
    signature = key.sign(query.encode(), padding.PKCS1v15(), hashes.SHA256())
    return query + "&Signature=" + quote(base64.b64encode(signature).decode())


def okta_full_profile():
    """A response the size Okta sends for a real profile (~6 KB): the usual attribute statements."""
    attributes = [("firstName", "Alice"), ("lastName", "Anderson"), ("login", "alice@acme.com"), ("department", "Finance"),
                  ("title", "Senior Analyst")]
    extra = "".join(
        f'<saml2:Attribute Name="{name}" NameFormat="urn:oasis:names:tc:SAML:2.0:attrname-format:unspecified">'
        f'<saml2:AttributeValue xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="xs:string">{value}</saml2:AttributeValue></saml2:Attribute>'
        for name, value in attributes
    )
    groups = "".join(f"<saml2:AttributeValue>dashboard-group-{index}</saml2:AttributeValue>" for index in range(4))
    extra += f'<saml2:Attribute Name="groups" NameFormat="urn:oasis:names:tc:SAML:2.0:attrname-format:unspecified">{groups}</saml2:Attribute>'
    return RESPONSE.replace("</saml2:AttributeStatement>", extra + "</saml2:AttributeStatement>")


def write(name, data):
    (HERE / name).write_bytes(data if isinstance(data, bytes) else data.encode())


def main():
    idp_key, idp_cert = key_and_certificate("okta-idp")
    _, rollover_cert = key_and_certificate("okta-idp-next")
    attacker_key, attacker_cert = key_and_certificate("attacker")
    sp_key, sp_cert = key_and_certificate("gatehouse-sp")
    other_sp_key, _ = key_and_certificate("gatehouse-sp-other")
    write("other-sp.key", other_sp_key)
    write("sp.key", sp_key)
    write("sp.crt", sp_cert)
    write("idp.crt", idp_cert)
    write("idp.key", idp_key)  # a test key: tests/python/idp_sign.py signs responses at test time with it
    write("idp-next.crt", rollover_cert)
    write("attacker.crt", attacker_cert)

    write("okta-metadata.xml", metadata([(certificate_body(idp_cert), "signing")]))
    write("rollover-metadata.xml", metadata([(certificate_body(rollover_cert), None), (certificate_body(idp_cert), "signing")]))
    write("encryption-only-metadata.xml", metadata([(certificate_body(idp_cert), "encryption")]))
    write("javascript-url-metadata.xml", metadata([(certificate_body(idp_cert), "signing")], sso="javascript:alert(1)"))
    good = sign_assertion(idp_key, idp_cert)
    write("signed-assertion.xml", good)
    write("signed-assertion-no-keyinfo.xml", sign_assertion(idp_key, idp_cert, include_certificate=False))
    write("tampered-attribute.xml", good.replace(b">ANALYST<", b">ADMINISTRATOR<"))
    write("untrusted-key-certificate-in-keyinfo.xml", sign_assertion(attacker_key, attacker_cert))
    write("unsigned.xml", RESPONSE.replace('<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#" Id="placeholder"/>', ""))
    write("duplicate-ids.xml", good.replace(b'ID="id-response-1"', b'ID="id-assertion-1"'))
    for name, changes in SEMANTIC_DEFECTS.items():
        write(name, sign_assertion(idp_key, idp_cert, response=TEMPLATE.format(**{**GOOD, **changes})))
    unsolicited = TEMPLATE.format(**GOOD).replace(' InResponseTo="id-request-1"', "")
    write("idp-initiated.xml", sign_assertion(idp_key, idp_cert, response=unsolicited))
    write("signature-removed.xml", etree.tostring(_without_signature(good)))
    write("reference-to-other-element.xml", sign_reference_elsewhere(idp_key, idp_cert))
    retrieval = b'<ds:KeyInfo><ds:RetrievalMethod URI="RETRIEVAL_URL" Type="http://www.w3.org/2000/09/xmldsig#X509Data"/></ds:KeyInfo>'
    write("retrieval-method.xml", sign_assertion(idp_key, idp_cert, include_certificate=False).replace(b"</ds:SignatureValue>", b"</ds:SignatureValue>" + retrieval, 1))
    write("sha1.xml", sign_assertion(idp_key, idp_cert, method=SignatureMethod.RSA_SHA1, digest=DigestAlgorithm.SHA1))
    signed_response = sign_response(idp_key, idp_cert)
    write("signed-response.xml", signed_response)
    write("signed-both.xml", sign_response(idp_key, idp_cert, signed_assertion=good))
    for name, data in wrapping_attacks(signed_response, good).items():
        write(name, data)
    write("encrypted-assertion.xml", encrypt_assertion(good, sp_cert))
    write("encrypted-assertion-cbc.xml", encrypt_assertion(good, sp_cert, content="aes128-cbc"))
    write("encrypted-signed-response.xml", sign_response(idp_key, idp_cert, signed_assertion=encrypt_assertion(good, sp_cert, content="aes256-cbc")))
    write("encrypted-for-another-key.xml", encrypt_assertion(good, attacker_cert))
    write("encrypted-unsigned.xml", encrypt_assertion(RESPONSE.replace('<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#" Id="placeholder"/>', "").encode(), sp_cert))
    encrypted = encrypt_assertion(good, sp_cert)
    content_start = encrypted.rindex(b"<xenc:CipherValue>") + len(b"<xenc:CipherValue>") + 40
    flipped = b"A" if encrypted[content_start:content_start + 1] != b"A" else b"B"
    write("encrypted-tampered.xml", encrypted[:content_start] + flipped + encrypted[content_start + 1:])
    write("encrypted-rsa-1_5.xml", encrypt_assertion(good, sp_cert, transport="rsa-1_5"))
    write("encrypted-two-assertions.xml", encrypt_assertion(good, sp_cert, forged_sibling=True))
    write("okta-full-profile.xml", sign_assertion(idp_key, idp_cert, response=okta_full_profile()))
    write("logout-request-redirect.txt", redirect_query(LOGOUT_REQUEST, idp_key))
    write("logout-request-redirect-attacker.txt", redirect_query(LOGOUT_REQUEST, attacker_key))
    xslt = b'<ds:Transform Algorithm="http://www.w3.org/TR/1999/REC-xslt-19991116"/>'
    write("forbidden-transform.xml", good.replace(b'<ds:Transforms>', b'<ds:Transforms>' + xslt, 1))
    import generate_identity_controls
    generate_identity_controls.write_all(idp_key, idp_cert)


if __name__ == "__main__":
    main()
