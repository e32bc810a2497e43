/* json_util.c — JSON helpers shared by the dissectors (RFC 8259, jansson). */
#include "json_util.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cursor.h"
#include "limits.h"

/* ---- the per-thread arena of jansson's allocations ---- */

#define ARENA_BLOCK (256 * 1024)
#define ARENA_MAX_BLOCKS 32 /* past 8 MiB in one message, malloc again */

static _Thread_local struct {
	char *block[ARENA_MAX_BLOCKS];
	size_t n_blocks, cur, used; /* bump position: block cur, offset used */
	unsigned depth;
} arena;

static bool in_arena(const void *p)
{
	for (size_t i = 0; i < arena.n_blocks; i++)
		if ((const char *)p >= arena.block[i] && (const char *)p < arena.block[i] + ARENA_BLOCK)
			return true;
	return false;
}

static pthread_key_t arena_key; /* its destructor frees a thread's blocks */

static void arena_release(void *unused)
{
	(void)unused;
	for (size_t i = 0; i < arena.n_blocks; i++)
		free(arena.block[i]);
	arena.n_blocks = arena.cur = arena.used = 0;
}

static void *j_malloc(size_t n)
{
	n = (n + 15) & ~(size_t)15;
	if (!arena.depth || n > ARENA_BLOCK)
		return malloc(n);
	if (arena.n_blocks && arena.used + n <= ARENA_BLOCK) {
		void *p = arena.block[arena.cur] + arena.used;
		arena.used += n;
		return p;
	}
	if (arena.cur + 1 < arena.n_blocks) { /* a block an earlier message grew */
		arena.cur++;
	} else if (arena.n_blocks < ARENA_MAX_BLOCKS && (arena.block[arena.n_blocks] = malloc(ARENA_BLOCK))) {
		if (!arena.n_blocks)
			pthread_setspecific(arena_key, &arena); /* non-NULL: run at exit */
		arena.cur = arena.n_blocks++;
	} else {
		return malloc(n);
	}
	arena.used = n;
	return arena.block[arena.cur];
}

/* Blocks are kept for the thread's life (freed at its exit through
 * arena_key), so a pointer is told by them. */
static void j_free(void *p)
{
	if (p && !in_arena(p))
		free(p);
}

static void set_alloc(void)
{
	pthread_key_create(&arena_key, arena_release);
	json_set_alloc_funcs(j_malloc, j_free);
}

void json_util_arena_begin(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	pthread_once(&once, set_alloc);
	arena.depth++;
}

void json_util_arena_end(void)
{
	if (arena.depth && --arena.depth == 0) {
		arena.cur = 0;
		arena.used = 0;
	}
}

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

/* ---- members without a tree ---- */

static size_t skip_ws(struct sv s, size_t i)
{
	while (i < s.len && (s.p[i] == ' ' || s.p[i] == '\t' || s.p[i] == '\n' || s.p[i] == '\r'))
		i++;
	return i;
}

/* The end of the string opening at s.p[i] (past its closing quote), or 0;
 * *escaped says whether it holds a backslash. */
static size_t skip_string(struct sv s, size_t i, bool *escaped)
{
	*escaped = false;
	for (i++; i < s.len; i++) {
		if (s.p[i] == '\\') {
			*escaped = true;
			i++;
		} else if (s.p[i] == '"') {
			return i + 1;
		}
	}
	return 0;
}

/* The end of the value starting at s.p[i], or 0 when it breaks off. */
static size_t skip_value(struct sv s, size_t i)
{
	bool esc;
	if (i >= s.len)
		return 0;
	if (s.p[i] == '"')
		return skip_string(s, i, &esc);
	if (s.p[i] != '{' && s.p[i] != '[') {
		while (i < s.len && s.p[i] != ',' && s.p[i] != '}' && s.p[i] != ']' && s.p[i] != ' ' &&
		       s.p[i] != '\t' && s.p[i] != '\n' && s.p[i] != '\r')
			i++;
		return i;
	}
	unsigned depth = 0;
	while (i < s.len) {
		char c = s.p[i];
		if (c == '"') {
			i = skip_string(s, i, &esc);
			if (!i)
				return 0;
			continue;
		}
		if (c == '{' || c == '[') {
			if (++depth > AS_JSON_MAX_DEPTH)
				return 0;
		} else if ((c == '}' || c == ']') && --depth == 0) {
			return i + 1;
		}
		i++;
	}
	return 0;
}

static bool wanted(struct sv key, const char *const *keys, size_t n)
{
	for (size_t k = 0; k < n; k++)
		if (sv_eq(key, sv_from_cstr(keys[k])))
			return true;
	return false;
}

/* Steps through the members of an object text (t starts with '{'). */
struct member_iter {
	struct sv t;
	size_t i;
	bool first;
};

enum member_step { M_MEMBER, M_END, M_BAD, M_ESCAPED_KEY };

static struct member_iter members_of(struct sv t)
{
	return (struct member_iter){t, skip_ws(t, 1), true};
}

/* The next member: its key (as written) and the span of its value. M_END
 * at the closing brace (the iterator then stands past it). */
static enum member_step member_next(struct member_iter *m, struct sv *key, size_t *vstart, size_t *vend)
{
	struct sv t = m->t;
	size_t i = m->i;
	if (i < t.len && t.p[i] == '}') {
		m->i = i + 1;
		return M_END;
	}
	if (!m->first) {
		if (i >= t.len || t.p[i] != ',')
			return M_BAD;
		i = skip_ws(t, i + 1);
	}
	m->first = false;
	bool esc;
	size_t kend = i < t.len && t.p[i] == '"' ? skip_string(t, i, &esc) : 0;
	if (!kend)
		return M_BAD;
	if (esc)
		return M_ESCAPED_KEY;
	*key = sv_make(t.p + i + 1, kend - i - 2);
	i = skip_ws(t, kend);
	if (i >= t.len || t.p[i] != ':')
		return M_BAD;
	*vstart = skip_ws(t, i + 1);
	*vend = skip_value(t, *vstart);
	if (!*vend || *vend == *vstart)
		return M_BAD;
	m->i = skip_ws(t, *vend);
	return M_MEMBER;
}

static json_t *load_value(struct sv t, size_t start, size_t end)
{
	json_error_t err;
	return json_loadb(t.p + start, end - start, JSON_DECODE_ANY, &err);
}

/* Nothing but white space after position i. */
static bool only_ws_after(struct sv t, size_t i)
{
	return skip_ws(t, i) == t.len;
}

enum json_util_res json_util_members(struct sv s, const char *const *keys, size_t n, json_t **out)
{
	*out = NULL;
	struct sv t = sv_trim(s);
	if (!sv_starts_with(t, SV_LIT("{")))
		return JSON_UTIL_BAD;
	json_t *obj = json_object();
	if (!obj)
		return JSON_UTIL_BAD;
	struct member_iter m = members_of(t);
	struct sv key;
	size_t vs, ve;
	enum member_step st;
	while ((st = member_next(&m, &key, &vs, &ve)) == M_MEMBER) {
		if (!wanted(key, keys, n))
			continue;
		char name[64];
		sv_copy(name, sizeof name, key);
		json_t *v = load_value(t, vs, ve);
		if (!v)
			goto bad;
		json_object_set_new(obj, name, v);
	}
	if (st == M_ESCAPED_KEY) { /* an escaped name: only a whole parse reads it right */
		json_decref(obj);
		json_t *root;
		enum json_util_res r = json_util_load(t, &root);
		if (r != JSON_UTIL_OK)
			return r;
		if (!json_is_object(root)) {
			json_decref(root);
			return JSON_UTIL_BAD;
		}
		obj = json_object();
		for (size_t k = 0; obj && k < n; k++)
			if (json_object_get(root, keys[k]))
				json_object_set(obj, keys[k], json_object_get(root, keys[k]));
		json_decref(root);
		*out = obj;
		return obj ? JSON_UTIL_OK : JSON_UTIL_BAD;
	}
	if (st != M_END || !only_ws_after(t, m.i)) /* no closing brace, or text after it */
		goto bad;
	*out = obj;
	return JSON_UTIL_OK;
bad:
	json_decref(obj);
	return JSON_UTIL_BAD;
}

/* ---- a whole parse without what is never read ---- */

static bool mentions_any(struct sv v, const char *const *keys, size_t n)
{
	for (size_t k = 0; k < n; k++) {
		char quoted[64];
		size_t len = strlen(keys[k]);
		if (len + 2 > sizeof quoted)
			return true;
		quoted[0] = '"';
		memcpy(quoted + 1, keys[k], len);
		quoted[len + 1] = '"';
		if (sv_find(v, sv_make(quoted, len + 2)) >= 0)
			return true;
	}
	return false;
}

/* An empty value of the type of the one at t.p[i]; a scalar is kept. */
static json_t *placeholder(struct sv t, size_t start, size_t end)
{
	switch (t.p[start]) {
	case '"':
		return json_string("");
	case '[':
		return json_array();
	case '{':
		return json_object();
	default:
		return load_value(t, start, end);
	}
}

static json_t *load_pruned(struct sv t, size_t start, size_t end, const char *const *skip, size_t n);

static json_t *pruned_object(struct sv t, size_t start, size_t end, const char *const *skip, size_t n)
{
	struct sv o = sv_make(t.p + start, end - start);
	json_t *obj = json_object();
	struct member_iter m = members_of(o);
	struct sv key;
	size_t vs, ve;
	enum member_step st;
	while (obj && (st = member_next(&m, &key, &vs, &ve)) == M_MEMBER) {
		char name[AS_STR];
		if (key.len >= sizeof name) /* a key this long is nobody's: parse it all */
			break;
		sv_copy(name, sizeof name, key);
		json_t *v = wanted(key, skip, n) ? placeholder(o, vs, ve) : load_pruned(o, vs, ve, skip, n);
		if (!v || json_object_set_new(obj, name, v) < 0) {
			json_decref(obj);
			return NULL;
		}
	}
	if (obj && st == M_END && m.i == o.len)
		return obj;
	json_decref(obj); /* an escaped or long key (or a malformed text): a whole parse decides */
	return load_value(t, start, end);
}

static json_t *pruned_array(struct sv t, size_t start, size_t end, const char *const *skip, size_t n)
{
	json_t *arr = json_array();
	size_t i = skip_ws(t, start + 1);
	bool ok = i < end && t.p[i] == ']'; /* empty */
	while (arr && !ok) {
		size_t ve = skip_value(sv_make(t.p, end), i);
		json_t *v = ve > i ? load_pruned(t, i, ve, skip, n) : NULL;
		if (!v || json_array_append_new(arr, v) < 0)
			break;
		i = skip_ws(t, ve);
		ok = i < end && t.p[i] == ']';
		if (ok || i >= end || t.p[i] != ',')
			break;
		i = skip_ws(t, i + 1);
	}
	if (arr && ok && i + 1 == end)
		return arr;
	json_decref(arr);
	return NULL;
}

/* Only a container that mentions a skipped key is taken apart; anything
 * else is parsed whole, in one go. */
static json_t *load_pruned(struct sv t, size_t start, size_t end, const char *const *skip, size_t n)
{
	if (!mentions_any(sv_make(t.p + start, end - start), skip, n))
		return load_value(t, start, end);
	if (t.p[start] == '{')
		return pruned_object(t, start, end, skip, n);
	if (t.p[start] == '[')
		return pruned_array(t, start, end, skip, n);
	return load_value(t, start, end);
}

enum json_util_res json_util_load_pruned(struct sv s, const char *const *skip, size_t n, json_t **out)
{
	*out = NULL;
	struct sv t = sv_trim(s);
	if (!sv_starts_with(t, SV_LIT("{")) && !sv_starts_with(t, SV_LIT("[")))
		return JSON_UTIL_BAD;
	if (!json_util_depth_ok(t))
		return JSON_UTIL_TOO_DEEP;
	size_t end = skip_value(t, 0);
	if (!end || !only_ws_after(t, end))
		return JSON_UTIL_BAD;
	*out = load_pruned(t, 0, end, skip, n);
	return *out ? JSON_UTIL_OK : JSON_UTIL_BAD;
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
