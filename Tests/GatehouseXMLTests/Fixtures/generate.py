"""Signs SAML responses with signxml (not libxmlsec1) for the XML signature tests.

Run by `make fixtures` (output committed beside this file, so `make test` needs no Python for
them). Shaped like Okta's: saml2p/saml2 prefixes, signed Assertion, exclusive c14n, RSA-SHA256.
"""
import datetime
import pathlib

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
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


RESPONSE = """<saml2p:Response xmlns:saml2p="urn:oasis:names:tc:SAML:2.0:protocol" Destination="https://dash.example.com/sso/saml/acme/acs" ID="id-response-1" IssueInstant="2026-11-29T12:00:00.000Z" Version="2.0"><saml2:Issuer xmlns:saml2="urn:oasis:names:tc:SAML:2.0:assertion" Format="urn:oasis:names:tc:SAML:2.0:nameid-format:entity">http://www.okta.com/exk123</saml2:Issuer><saml2p:Status><saml2p:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></saml2p:Status><saml2:Assertion xmlns:saml2="urn:oasis:names:tc:SAML:2.0:assertion" ID="id-assertion-1" IssueInstant="2026-11-29T12:00:00.000Z" Version="2.0"><saml2:Issuer Format="urn:oasis:names:tc:SAML:2.0:nameid-format:entity">http://www.okta.com/exk123</saml2:Issuer><ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#" Id="placeholder"/><saml2:Subject><saml2:NameID Format="urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress">alice@acme.com</saml2:NameID></saml2:Subject><saml2:AttributeStatement><saml2:Attribute Name="role"><saml2:AttributeValue>ANALYST</saml2:AttributeValue></saml2:Attribute></saml2:AttributeStatement></saml2:Assertion></saml2p:Response>"""


def sign_assertion(key_pem, cert_pem, include_certificate=True):
    root = etree.fromstring(RESPONSE.encode())
    assertion = root.find("{urn:oasis:names:tc:SAML:2.0:assertion}Assertion")
    signer = XMLSigner(
        signature_algorithm=SignatureMethod.RSA_SHA256, digest_algorithm=DigestAlgorithm.SHA256,
        c14n_algorithm="http://www.w3.org/2001/10/xml-exc-c14n#",
    )
    signer.namespaces = {"ds": "http://www.w3.org/2000/09/xmldsig#"}
    signed = signer.sign(assertion, key=key_pem, cert=cert_pem if include_certificate else None, reference_uri="id-assertion-1")
    root.replace(assertion, signed)
    return etree.tostring(root)


def write(name, data):
    (HERE / name).write_bytes(data if isinstance(data, bytes) else data.encode())


def main():
    idp_key, idp_cert = key_and_certificate("okta-idp")
    _, rollover_cert = key_and_certificate("okta-idp-next")
    attacker_key, attacker_cert = key_and_certificate("attacker")
    write("idp.crt", idp_cert)
    write("idp-next.crt", rollover_cert)
    write("attacker.crt", attacker_cert)

    good = sign_assertion(idp_key, idp_cert)
    write("signed-assertion.xml", good)
    write("signed-assertion-no-keyinfo.xml", sign_assertion(idp_key, idp_cert, include_certificate=False))
    write("tampered-attribute.xml", good.replace(b">ANALYST<", b">ADMINISTRATOR<"))
    write("untrusted-key-certificate-in-keyinfo.xml", sign_assertion(attacker_key, attacker_cert))
    write("unsigned.xml", RESPONSE.replace('<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#" Id="placeholder"/>', ""))
    write("duplicate-ids.xml", good.replace(b'ID="id-response-1"', b'ID="id-assertion-1"'))
    xslt = b'<ds:Transform Algorithm="http://www.w3.org/TR/1999/REC-xslt-19991116"/>'
    write("forbidden-transform.xml", good.replace(b'<ds:Transforms>', b'<ds:Transforms>' + xslt, 1))


if __name__ == "__main__":
    main()
