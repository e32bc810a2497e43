/* error.c — human-readable names for enum as_err. */
#include "error.h"

const char *as_strerror(int err)
{
	switch (err) {
	case AS_OK:
		return "ok";
	case AS_ERR_NOMEM:
		return "out of memory";
	case AS_ERR_TRUNCATED:
		return "truncated input";
	case AS_ERR_MALFORMED:
		return "malformed input";
	case AS_ERR_LIMIT:
		return "limit reached";
	case AS_ERR_IO:
		return "i/o error";
	case AS_ERR_CONFIG:
		return "invalid configuration";
	case AS_ERR_UNSUPPORTED:
		return "unsupported";
	case AS_ERR_NOTFOUND:
		return "not found";
	case AS_ERR_PARTIAL:
		return "incomplete input";
	case AS_ERR_CONNECT:
		return "connection failed";
	case AS_ERR_DECRYPT:
		return "decryption failed";
	}
	return "unknown error";
}
