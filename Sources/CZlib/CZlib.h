// zlib, for the raw DEFLATE of SAML's HTTP-Redirect binding.
#include <zlib.h>
