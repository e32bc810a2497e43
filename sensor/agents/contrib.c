/* contrib.c — registry contributions written from the model (see contrib.h). */
#include "contrib.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flatpath.h"
#include "jsonw.h"
#include "record.h"

void contrib_init(struct contrib *c, void (*send)(void *, const char *, size_t), void *user,
		  struct agents_stats *st)
{
	memset(c, 0, sizeof *c);
	c->send = send;
	c->user = user;
	c->st = st;
}

static void emit(struct contrib *c, const struct jw *w)
{
	if (w->oom)
		return;
	c->send(c->user, w->buf, w->len);
	c->st->contributions++;
}

/* The members every contribution opens with: the agent and its host index
 * (its owner index follows the host.owner of its facts). */
static void head(struct jw *w, const struct agent *ag)
{
	jw_obj_begin(w, NULL);
	jw_str(w, "id", ag->id);
	jw_str(w, "host_key", ag->host_key);
}

/* ---- facts: the record walked with a flat path, one object per operation ----
 * Every field of the record, so that a registry holds its shape as well:
 * nulls, empty arrays, an array of objects as a field of its own ([], its
 * elements being fields of their own), counters at 0 (their values travel
 * as deltas; adding 0 is safe any number of times). */

enum { F_MIN, F_MAX, F_SET, F_UNION, F_LAST, F_ADD, F_OPS };
static const char *const op_names[F_OPS] = {"min", "max", "set", "union", "last", "add"};

struct facts {
	struct flatpath path;
	struct jw op[F_OPS];
	struct agents_stats *st;
};

static int op_index(enum merge_op op)
{
	switch (op) {
	case OP_MIN:
		return F_MIN;
	case OP_MAX:
		return F_MAX;
	case OP_SET:
		return F_SET;
	case OP_UNION:
		return F_UNION;
	case OP_LAST:
		return F_LAST;
	case OP_ADD:
		return F_ADD;
	}
	return -1;
}

/* The writer of the field `name` under the current path, or NULL (a path
 * over the grammar's limits: counted). *pushed: the caller pops the name. */
static struct jw *field(struct facts *f, const char *name, enum merge_op op, const char **path, bool *pushed)
{
	int i = op_index(op);
	*pushed = i >= 0;
	if (i < 0)
		return NULL;
	flatpath_push(&f->path, name);
	*path = flatpath_str(&f->path);
	if (!*path) {
		f->st->capped++;
		return NULL;
	}
	return &f->op[i];
}

static void f_obj_begin(void *u, const char *name)
{
	if (name)
		flatpath_push(&((struct facts *)u)->path, name);
}

static void f_obj_end(void *u)
{
	flatpath_pop(&((struct facts *)u)->path); /* at the top: nothing to pop */
}

static void f_list_begin(void *u, const char *name)
{
	struct facts *f = u;
	const char *path;
	bool pushed;
	struct jw *w = field(f, name, OP_UNION, &path, &pushed); /* stays pushed: its items follow */
	if (w) {
		jw_arr_begin(w, path);
		jw_arr_end(w);
	}
}

static void f_item_begin(void *u, const char *key)
{
	flatpath_push_key(&((struct facts *)u)->path, key);
}

static void f_str(void *u, const char *name, const char *v, enum merge_op op)
{
	struct facts *f = u;
	/* an empty smallest would stay the smallest forever */
	if (v && op == OP_MIN && !*v)
		return;
	const char *path;
	bool pushed;
	struct jw *w = field(f, name, op, &path, &pushed);
	if (w && v)
		jw_str(w, path, v);
	else if (w)
		jw_null(w, path); /* unknown: a registry holds it until a value comes */
	if (pushed)
		flatpath_pop(&f->path);
}

static void f_num(void *u, const char *name, uint64_t v, enum merge_op op)
{
	struct facts *f = u;
	const char *path;
	bool pushed;
	struct jw *w = field(f, name, op, &path, &pushed);
	if (w)
		jw_u64(w, path, op == OP_ADD ? 0 : v);
	if (pushed)
		flatpath_pop(&f->path);
}

static void f_bool(void *u, const char *name, bool v, enum merge_op op)
{
	struct facts *f = u;
	const char *path;
	bool pushed;
	struct jw *w = field(f, name, op, &path, &pushed);
	if (w)
		jw_bool(w, path, v);
	if (pushed)
		flatpath_pop(&f->path);
}

static void f_strs(void *u, const char *name, const char *const *v, size_t n, enum merge_op op, bool optional)
{
	(void)optional; /* a registry holds it empty: it may have held something */
	struct facts *f = u;
	const char *path;
	bool pushed;
	struct jw *w = field(f, name, op, &path, &pushed);
	if (w) {
		jw_arr_begin(w, path);
		for (size_t i = 0; i < n; i++)
			jw_str(w, NULL, v[i]);
		jw_arr_end(w);
	}
	if (pushed)
		flatpath_pop(&f->path);
}

static uint64_t fnv1a(const char *s, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	for (size_t i = 0; i < n; i++) {
		h ^= (uint8_t)s[i];
		h *= 0x100000001b3ULL;
	}
	return h ? h : 1;
}

/* Sends an agent's facts when they differ from the last sent. Their
 * version orders the "last" fields: above every earlier one, and at least
 * the agent's last packet time, so sensors that saw the same traffic agree;
 * at equal versions (the same packets) the newer inventory's host owner,
 * team, site and name win: inventory_time. */
static void send_facts(struct contrib *c, struct model *m, struct agent *ag)
{
	record_settle(m, ag);
	struct facts f;
	memset(&f, 0, sizeof f);
	f.st = c->st;
	flatpath_init(&f.path);
	for (int i = 0; i < F_OPS; i++) {
		jw_init(&f.op[i], false);
		jw_obj_begin(&f.op[i], NULL);
	}
	const struct record_visitor v = {f_obj_begin, f_obj_end, f_list_begin, f_item_begin,
					 f_obj_end,   f_obj_end, f_str,	       f_num,
					 f_bool,      f_strs,	 &f};
	record_walk(ag, &v);
	struct jw w;
	jw_init(&w, false);
	head(&w, ag);
	for (int i = 0; i < F_OPS; i++) {
		jw_obj_end(&f.op[i]);
		w.oom |= f.op[i].oom;
		if (!f.op[i].oom)
			jw_raw(&w, op_names[i], f.op[i].buf, f.op[i].len);
		jw_free(&f.op[i]);
	}
	uint64_t h = fnv1a(w.buf, w.len);
	if (!w.oom && h != ag->facts_hash) {
		ag->version = ag->version + 1 > ag->last_us ? ag->version + 1 : ag->last_us;
		jw_u64(&w, "version", ag->version);
		uint64_t inv = hosts_inventory_time(m->hosts);
		if (inv)
			jw_u64(&w, "inventory_time", inv);
		jw_obj_end(&w);
		emit(c, &w);
		ag->facts_hash = h;
	}
	jw_free(&w);
}

static void visit(struct contrib *c, struct model *m, struct agent *ag)
{
	if (ag->flush_gen == c->gen)
		return;
	ag->flush_gen = c->gen;
	send_facts(c, m, ag);
}

/* The agents whose records show ag: its peers' lists name it, an MCP
 * client lists the grants of its oauth-client record, the host's other
 * records of its product list it among their related. */
static void visit_viewers(struct contrib *c, struct model *m, struct agent *ag)
{
	if (ag->product) { /* settled by visit: of the signatures in force */
		size_t n;
		struct agent *const *v = model_host_agents(m, ag->family, ag->addr, &n);
		for (size_t i = 0; i < n; i++)
			if (v[i] != ag && sig_product_of(m->sigs, v[i]->sw_name) == ag->product)
				visit(c, m, v[i]);
	}
	for (size_t i = 0; i < ag->mcp.n_peers; i++)
		visit(c, m, ag->mcp.peers[i]);
	for (size_t i = 0; i < ag->a2a.n_peers; i++)
		visit(c, m, ag->a2a.peers[i]);
	for (size_t i = 0; i < ag->n_grant_users; i++)
		visit(c, m, ag->grant_users[i]);
}

void contrib_facts(struct contrib *c, struct model *m)
{
	struct agent *list = m->dirty_head;
	m->dirty_head = m->dirty_tail = NULL;
	if (!c->send) {
		for (struct agent *ag = list, *next; ag; ag = next) {
			next = ag->dirty_next;
			ag->dirty = false;
		}
		return;
	}
	c->gen++;
	for (struct agent *ag = list; ag; ag = ag->dirty_next)
		visit(c, m, ag);
	for (struct agent *ag = list, *next; ag; ag = next) {
		next = ag->dirty_next;
		ag->dirty = false;
		visit_viewers(c, m, ag);
	}
}

/* ---- deltas ---- */

static void flow_key(const struct flow_ref *r, char *out, size_t n)
{
	char cli[48], srv[48];
	model_ip_str(r->family, r->cli_ip, cli, sizeof cli);
	model_ip_str(r->family, r->srv_ip, srv, sizeof srv);
	snprintf(out, n, "%s|%s:%u>%s:%u|%llu", r->l4proto == 6 ? "tcp" : "udp", cli, r->cli_port, srv,
		 r->srv_port, (unsigned long long)r->start_us);
}

/* The record field a delta adds to. */
static const char *delta_path(const struct delta *x, struct flatpath *p)
{
	static const char *const dest_field[] = {
	    [CTR_DEST_FLOWS] = "flows",	  [CTR_DEST_BYTES] = "bytes",	 [CTR_DEST_REQUESTS] = "requests",
	    [CTR_DEST_INPUT_TOKENS] = "", [CTR_DEST_OUTPUT_TOKENS] = "",
	};
	static const char *const stream_field[][2] = {
	    [CTR_DEST_STREAMS] = {"responses", NULL},
	    [CTR_DEST_STREAM_RECORDS] = {"records", NULL},
	    [CTR_DEST_STREAM_TOKENS] = {"output_tokens", "estimate"},
	    [CTR_DEST_STREAM_TOKENS_MIN] = {"output_tokens", "min"},
	    [CTR_DEST_STREAM_TOKENS_MAX] = {"output_tokens", "max"},
	};
	flatpath_init(p);
	switch ((enum counter)x->what) {
	case CTR_FLOWS:
		flatpath_push(p, "evidence");
		flatpath_push(p, "flows");
		break;
	case CTR_DEST_FLOWS:
	case CTR_DEST_BYTES:
	case CTR_DEST_REQUESTS:
	case CTR_DEST_INPUT_TOKENS:
	case CTR_DEST_OUTPUT_TOKENS:
	case CTR_DEST_STREAMS:
	case CTR_DEST_STREAM_RECORDS:
	case CTR_DEST_STREAM_TOKENS:
	case CTR_DEST_STREAM_TOKENS_MIN:
	case CTR_DEST_STREAM_TOKENS_MAX: {
		char key[AS_STR * 2];
		record_dest_key(x->dest, key, sizeof key);
		flatpath_push(p, "destinations");
		flatpath_push_key(p, key);
		if (x->what >= CTR_DEST_STREAMS && x->what <= CTR_DEST_STREAM_TOKENS_MAX) {
			flatpath_push(p, "streamed");
			flatpath_push(p, stream_field[x->what][0]);
			if (stream_field[x->what][1])
				flatpath_push(p, stream_field[x->what][1]);
		} else if (x->what == CTR_DEST_INPUT_TOKENS || x->what == CTR_DEST_OUTPUT_TOKENS) {
			flatpath_push(p, "usage");
			flatpath_push(p, x->what == CTR_DEST_INPUT_TOKENS ? "input_tokens" : "output_tokens");
		} else {
			flatpath_push(p, dest_field[x->what]);
		}
		break;
	}
	case CTR_SERVER_REQUESTS:
		flatpath_push(p, "server");
		flatpath_push(p, "requests");
		break;
	case CTR_SERVER_INPUT_TOKENS:
	case CTR_SERVER_OUTPUT_TOKENS:
		flatpath_push(p, "server");
		flatpath_push(p, "usage");
		flatpath_push(p, x->what == CTR_SERVER_INPUT_TOKENS ? "input_tokens" : "output_tokens");
		break;
	case CTR_TOOL_CALLS:
		flatpath_push(p, "mcp");
		flatpath_push(p, "tools_called");
		flatpath_push_key(p, x->tool);
		flatpath_push(p, "calls");
		break;
	}
	return flatpath_str(p);
}

/* Sends deltas [from, to) of f (one window and part), one contribution per agent. */
static void send_window(struct contrib *c, const struct aflow *f, size_t from, size_t to)
{
	char fk[256], dedupe[300];
	flow_key(&f->ref, fk, sizeof fk);
	const struct delta *first = &f->deltas[from];
	if (first->part)
		snprintf(dedupe, sizeof dedupe, "%s|w%llu.p%u", fk, (unsigned long long)first->window,
			 first->part);
	else
		snprintf(dedupe, sizeof dedupe, "%s|w%llu", fk, (unsigned long long)first->window);
	for (size_t i = from; i < to; i++) {
		const struct agent *ag = f->deltas[i].ag;
		bool done = false;
		for (size_t k = from; k < i && !done; k++)
			done = f->deltas[k].ag == ag;
		if (done)
			continue; /* sent with its first delta */
		struct jw w;
		jw_init(&w, false);
		head(&w, ag);
		jw_str(&w, "dedupe", dedupe);
		jw_obj_begin(&w, "add");
		for (size_t k = i; k < to; k++) {
			struct flatpath p;
			const char *path = f->deltas[k].ag == ag ? delta_path(&f->deltas[k], &p) : NULL;
			if (path)
				jw_u64(&w, path, f->deltas[k].n);
			else if (f->deltas[k].ag == ag)
				c->st->deltas_lost++;
		}
		jw_obj_end(&w);
		jw_obj_end(&w);
		emit(c, &w);
		jw_free(&w);
	}
}

static void pending_remove(struct model *m, struct aflow *f)
{
	if (!f->pending)
		return;
	if (f->pending_prev)
		f->pending_prev->pending_next = f->pending_next;
	else
		m->pending_head = f->pending_next;
	if (f->pending_next)
		f->pending_next->pending_prev = f->pending_prev;
	else
		m->pending_tail = f->pending_prev;
	f->pending = false;
	f->pending_prev = f->pending_next = NULL;
}

/* Sends f's deltas of the windows it has left, or all of them. */
static void flow_deltas(struct contrib *c, struct model *m, struct aflow *f, bool all)
{
	size_t i = 0;
	while (i < f->n_deltas) {
		const struct delta *x = &f->deltas[i];
		if (!all && x->window == f->window && x->part == f->part)
			break; /* the open window: more may come */
		size_t j = i + 1;
		while (j < f->n_deltas && f->deltas[j].window == x->window && f->deltas[j].part == x->part)
			j++;
		if (c->send)
			send_window(c, f, i, j);
		i = j;
	}
	if (all && i && f->deltas[i - 1].window == f->window && f->deltas[i - 1].part == f->part)
		f->part++; /* what comes later in this window is another part */
	if (i && i < f->n_deltas)
		memmove(f->deltas, f->deltas + i, (f->n_deltas - i) * sizeof *f->deltas);
	f->n_deltas -= i;
	if (!f->n_deltas)
		pending_remove(m, f);
}

void contrib_deltas(struct contrib *c, struct model *m, bool all)
{
	for (struct aflow *f = m->pending_head, *next; f; f = next) {
		next = f->pending_next;
		flow_deltas(c, m, f, all);
	}
}

void contrib_flow(struct contrib *c, struct model *m, struct aflow *f)
{
	flow_deltas(c, m, f, true);
}
