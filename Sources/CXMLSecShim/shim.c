#include "CXMLSecShim.h"

#include <string.h>

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

// Errors are reported to callers by code; libxml2 must never print document content to stderr.
static void gh_silent_error(void *ctx, const char *msg, ...) { (void)ctx; (void)msg; }

static void gh_silent_xmlsec_error(const char *file, int line, const char *func, const char *object, const char *subject, int reason,
                                   const char *msg) {
    (void)file; (void)line; (void)func; (void)object; (void)subject; (void)reason; (void)msg;
}

int gh_xmlsec_initialize(void) {
    xmlInitParser();
    // libxml2 keeps its error handler per thread: the default for threads that start using it
    // later is set here, and each parse sets it again for its own thread.
    xmlThrDefSetGenericErrorFunc(NULL, gh_silent_error);
    xmlSetGenericErrorFunc(NULL, gh_silent_error);
    xmlSubstituteEntitiesDefault(0);
    xmlLoadExtDtdDefaultValue = 0;
    if (xmlSecInit() < 0) return -1;
    if (xmlSecCheckVersion() != 1) return -2;
    if (xmlSecCryptoAppInit(NULL) < 0) return -3;
    if (xmlSecCryptoInit() < 0) return -4;
    // Callers get a code for every failure; xmlsec's own stderr lines would break JSON logs.
    // Set after the crypto init, which installs its own.
    xmlSecErrorsSetCallback(gh_silent_xmlsec_error);
    // Decrypted content is parsed by xmlsec into the tree: with the same hardened options.
    xmlSecParserSetDefaultOptions(gh_xml_hardened_options());
    // No I/O callbacks at all: a Reference or RetrievalMethod can never fetch a file or URL.
    xmlSecIOCleanupCallbacks();
    return 0;
}

void gh_xmlsec_shutdown(void) {
    xmlSecCryptoShutdown();
    xmlSecCryptoAppShutdown();
    xmlSecShutdown();
    xmlCleanupParser();
}

int gh_xml_hardened_options(void) {
    // COMPACT keeps short text inside the node (fewer allocations); it changes no content.
    return XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_COMPACT;
}

xmlDocPtr gh_xml_parse_hardened(const char *bytes, int length, int *reason) {
    *reason = GH_XML_OK;
    xmlSetGenericErrorFunc(NULL, gh_silent_error);
    xmlParserCtxtPtr ctxt = xmlNewParserCtxt();
    if (ctxt == NULL) { *reason = GH_XML_NO_MEMORY; return NULL; }
    xmlDocPtr doc = xmlCtxtReadMemory(ctxt, bytes, length, NULL, NULL, gh_xml_hardened_options());
    int wellFormed = ctxt->wellFormed;
    xmlFreeParserCtxt(ctxt);
    if (doc == NULL || !wellFormed) {
        if (doc != NULL) xmlFreeDoc(doc);
        *reason = GH_XML_MALFORMED;
        return NULL;
    }
    // A DOCTYPE has no place in SAML: refusing it closes every entity and DTD trick at once.
    if (doc->intSubset != NULL || doc->extSubset != NULL) {
        xmlFreeDoc(doc);
        *reason = GH_XML_DOCTYPE;
        return NULL;
    }
    return doc;
}

void gh_xml_free(void *pointer) { if (pointer != NULL) xmlFree(pointer); }

void gh_xml_free_doc(xmlDocPtr document) { if (document != NULL) xmlFreeDoc(document); }

int gh_xmlsec_size_width(void) { return (int)sizeof(xmlSecSize); }

const char *gh_xmlsec_version(void) { return XMLSEC_VERSION; }

static int gh_register_ids_below(xmlDocPtr document, xmlNodePtr node) {
    for (xmlNodePtr child = node; child != NULL; child = child->next) {
        if (child->type != XML_ELEMENT_NODE) continue;
        for (xmlAttrPtr attribute = child->properties; attribute != NULL; attribute = attribute->next) {
            if (attribute->ns != NULL || xmlStrcmp(attribute->name, BAD_CAST "ID") != 0) continue;
            xmlChar *value = xmlNodeListGetString(document, attribute->children, 1);
            if (value == NULL || value[0] == 0) {
                if (value != NULL) xmlFree(value);
                return GH_XML_EMPTY_ID;
            }
            int duplicate = xmlGetID(document, value) != NULL || xmlAddID(NULL, document, value, attribute) == NULL;
            xmlFree(value);
            if (duplicate) return GH_XML_DUPLICATE_ID;
        }
        int status = gh_register_ids_below(document, child->children);
        if (status != GH_XML_OK) return status;
    }
    return GH_XML_OK;
}

int gh_xml_register_ids(xmlDocPtr document) {
    return gh_register_ids_below(document, xmlDocGetRootElement(document));
}

int gh_xml_register_ids_in(xmlDocPtr document, xmlNodePtr first) {
    return gh_register_ids_below(document, first);
}

int gh_x509_pem_not_after(const char *pem, int length, long long *seconds) {
    BIO *bio = BIO_new_mem_buf(pem, length);
    if (bio == NULL) return -1;
    X509 *certificate = PEM_read_bio_X509(bio, NULL, NULL, NULL);
    BIO_free(bio);
    if (certificate == NULL) return -1;
    ASN1_TIME *epoch = ASN1_TIME_set(NULL, 0);
    int days = 0, rest = 0;
    int ok = epoch != NULL && ASN1_TIME_diff(&days, &rest, epoch, X509_get0_notAfter(certificate));
    ASN1_TIME_free(epoch);
    X509_free(certificate);
    if (!ok) return -2;
    *seconds = (long long)days * 86400 + rest;
    return 0;
}
