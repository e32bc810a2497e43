/* error.h — the project's one error enum and its strerror. */
#ifndef AS_ERROR_H
#define AS_ERROR_H

/* 0 is success; every failure is negative so callers can test `< 0`. */
enum as_err {
	AS_OK = 0,
	AS_ERR_NOMEM = -1,	 /* allocation failed */
	AS_ERR_TRUNCATED = -2,	 /* input ends before the field does */
	AS_ERR_MALFORMED = -3,	 /* input violates the format */
	AS_ERR_LIMIT = -4,	 /* a cap from limits.h was hit */
	AS_ERR_IO = -5,		 /* read/write/open failed (see errno) */
	AS_ERR_CONFIG = -6,	 /* configuration or signature file invalid */
	AS_ERR_UNSUPPORTED = -7, /* valid input we do not handle */
	AS_ERR_NOTFOUND = -8,	 /* lookup missed */
	AS_ERR_PARTIAL = -9,	 /* need more bytes (stream parsers) */
	AS_ERR_CONNECT = -10,	 /* a remote service refused or is unreachable */
	AS_ERR_DECRYPT = -11,	 /* an AEAD tag did not verify (wrong keys, damaged bytes) */
};

#define AS_MUST_CHECK __attribute__((warn_unused_result))

const char *as_strerror(int err);

#endif
