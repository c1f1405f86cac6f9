// Umbrella header for libxml2 + xmlsec1-openssl as Swift sees them.
//
// SwiftPM drops the -D flags that `pkg-config xmlsec1-openssl` prints, so they are repeated here:
// without XMLSEC_NO_SIZE_T, xmlSecSize is 8 bytes instead of the library's 4 and every struct
// field after one (a signature context's `status`, for one) is read at the wrong offset.
#ifndef CXMLSEC_SHIM_H
#define CXMLSEC_SHIM_H

#ifndef XMLSEC_NO_SIZE_T
#define XMLSEC_NO_SIZE_T 1
#endif
#ifndef XMLSEC_CRYPTO_OPENSSL
#define XMLSEC_CRYPTO_OPENSSL 1
#endif
#ifndef XMLSEC_NO_GOST
#define XMLSEC_NO_GOST 1
#endif
#ifndef XMLSEC_NO_GOST2012
#define XMLSEC_NO_GOST2012 1
#endif
#ifndef XMLSEC_NO_CRYPTO_DYNAMIC_LOADING
#define XMLSEC_NO_CRYPTO_DYNAMIC_LOADING 1
#endif
#ifndef XMLSEC_OPENSSL3_ENGINES
#define XMLSEC_OPENSSL3_ENGINES 1
#endif
#ifndef __XMLSEC_FUNCTION__
#define __XMLSEC_FUNCTION__ __func__
#endif

// libxml2's headers pull in ICU when it is enabled, and ICU's types clash with Foundation's.
#include <libxml/xmlversion.h>
#undef LIBXML_ICU_ENABLED

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/valid.h>
#include <libxml/xmlerror.h>
#include <libxml/c14n.h>

#include <xmlsec/xmlsec.h>
#include <xmlsec/xmltree.h>
#include <xmlsec/xmldsig.h>
#include <xmlsec/xmlenc.h>
#include <xmlsec/keys.h>
#include <xmlsec/keysmngr.h>
#include <xmlsec/transforms.h>
#include <xmlsec/errors.h>
#include <xmlsec/io.h>
#include <xmlsec/parser.h>
#include <xmlsec/templates.h>
#include <xmlsec/crypto.h>
#include <xmlsec/openssl/app.h>
#include <xmlsec/openssl/crypto.h>

_Static_assert(sizeof(xmlSecSize) == 4, "xmlSecSize must match the library's 4-byte build (XMLSEC_NO_SIZE_T)");

#endif
