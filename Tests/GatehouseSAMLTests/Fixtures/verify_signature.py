"""Verifies an enveloped XML signature with signxml (an independent implementation): the XML on
stdin, the signer's PEM certificate as the only argument. Exit 0 and print the signed element's
name when it verifies; exit 1 otherwise. Used by the Swift tests of Gatehouse's own signatures."""
import sys

from signxml import XMLVerifier


def main():
    certificate = open(sys.argv[1]).read()
    try:
        result = XMLVerifier().verify(sys.stdin.buffer.read(), x509_cert=certificate)
    except Exception as error:  # any refusal is a failure to verify
        print(f"refused: {error}")
        return 1
    print(result.signed_xml.tag)
    return 0


if __name__ == "__main__":
    sys.exit(main())
