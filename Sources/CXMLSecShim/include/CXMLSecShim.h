// Small C functions for what Swift cannot import from libxml2/xmlsec: function-like macros and
// global function pointers (xmlFree), which Swift 6 strict concurrency refuses to touch.
#ifndef CXMLSECSHIM_H
#define CXMLSECSHIM_H

#include "../../CXMLSec/CXMLSec.h"

/// Initialises libxml2, xmlsec and its OpenSSL backend; returns 0 on success.
/// Not thread-safe: Swift calls it once per process behind a lazily initialised global.
int gh_xmlsec_initialize(void);

/// Shuts xmlsec and libxml2 down; only for tests and process exit.
void gh_xmlsec_shutdown(void);

/// The libxml2 parser options Gatehouse always uses: no DTD loading or validation, no entity
/// substitution, no network, no XInclude, errors not printed.
int gh_xml_hardened_options(void);

/// Parses `length` bytes with the hardened options; refuses any document that has a DOCTYPE.
/// Returns NULL on any failure and sets `*reason` to a GH_XML_* code.
xmlDocPtr gh_xml_parse_hardened(const char *bytes, int length, int *reason);

enum {
    GH_XML_OK = 0,
    GH_XML_MALFORMED = 1,
    GH_XML_DOCTYPE = 2,
    GH_XML_NO_MEMORY = 3,
};

/// Registers every un-namespaced `ID` attribute as an XML ID, so that a signature Reference
/// (`URI="#x"`) can only ever resolve to that element. Returns GH_XML_OK, GH_XML_DUPLICATE_ID or
/// GH_XML_EMPTY_ID; `xmlAddID` is a function Swift could call, but the walk is cheaper in C.
int gh_xml_register_ids(xmlDocPtr document);

/// Registers the `ID` attributes of `first`, its following siblings and everything below them
/// (content that decryption put into an already registered document), with the same refusals.
int gh_xml_register_ids_in(xmlDocPtr document, xmlNodePtr first);

enum {
    GH_XML_DUPLICATE_ID = 10,
    GH_XML_EMPTY_ID = 11,
};

/// Frees memory that libxml2 allocated (xmlFree is a global function pointer).
void gh_xml_free(void *pointer);

/// Frees a parsed document.
void gh_xml_free_doc(xmlDocPtr document);

/// Size of xmlSecSize as this shim was compiled: Swift tests compare it with 4.
int gh_xmlsec_size_width(void);

/// The xmlsec library version string this binary is linked with.
const char *gh_xmlsec_version(void);

/// Reads a PEM certificate's notAfter as seconds since 1970 (certificates can expire; metadata
/// monitoring warns before they do). Returns 0 on success, negative when unreadable.
int gh_x509_pem_not_after(const char *pem, int length, long long *seconds);

#endif
