/* json_util.c — JSON helpers shared by the dissectors (RFC 8259, jansson). */
#include "json_util.h"

#include "cursor.h"
#include "limits.h"

/* Nesting depth of a JSON text (outside strings) within AS_JSON_MAX_DEPTH.
 * Jansson recurses per level and caps only at its compile-time 2048, so the
 * tighter project cap is checked first with this linear scan. */
static bool json_util_depth_ok(struct sv s)
{
	struct cur c = cur_make(s.p, s.len);
	unsigned depth = 0;
	bool in_str = false, esc = false;
	uint8_t ch;
	while (cur_get_u8(&c, &ch)) {
		if (in_str) {
			if (esc)
				esc = false;
			else if (ch == '\\')
				esc = true;
			else if (ch == '"')
				in_str = false;
		} else if (ch == '"') {
			in_str = true;
		} else if (ch == '{' || ch == '[') {
			if (++depth > AS_JSON_MAX_DEPTH)
				return false;
		} else if ((ch == '}' || ch == ']') && depth) {
			depth--;
		}
	}
	return true;
}

enum json_util_res json_util_load(struct sv s, json_t **out)
{
	*out = NULL;
	struct sv t = sv_trim(s);
	if (!sv_starts_with(t, SV_LIT("{")) && !sv_starts_with(t, SV_LIT("[")))
		return JSON_UTIL_BAD;
	if (!json_util_depth_ok(t))
		return JSON_UTIL_TOO_DEEP;
	json_error_t err;
	json_t *root = json_loadb(t.p, t.len, 0, &err);
	if (!root)
		return JSON_UTIL_BAD;
	*out = root;
	return JSON_UTIL_OK;
}

bool json_util_copy_string(char *dst, size_t dstsz, const json_t *v)
{
	if (!json_is_string(v))
		return false;
	sv_copy(dst, dstsz, sv_make(json_string_value(v), json_string_length(v)));
	return true;
}

struct sv json_util_sv(const json_t *v)
{
	if (!json_is_string(v))
		return sv_make("", 0);
	return sv_make(json_string_value(v), json_string_length(v));
}
