/* lenframe.c — length-prefixed records on a TCP stream (see lenframe.h). */
#include "lenframe.h"

void lenframe_init(struct lenframe *f, unsigned pfx_len, size_t cap)
{
	*f = (struct lenframe){.pfx_len = (uint8_t)pfx_len};
	sbuf_init(&f->body, cap);
}

void lenframe_free(struct lenframe *f)
{
	sbuf_free(&f->body);
}

static void lose(struct lenframe *f)
{
	f->lost = true;
	sbuf_free(&f->body);
}

int lenframe_feed(struct lenframe *f, const uint8_t *data, size_t len, const struct lenframe_ops *ops,
		  void *user)
{
	struct cur in = cur_make(data, len);
	int ret = 0;
	if (len == 0)
		return 0; /* end of direction: a partial record is dropped */
	while (!f->lost) {
		if (f->skip) {
			size_t n = f->skip < cur_len(&in) ? f->skip : cur_len(&in);
			(void)cur_skip(&in, n);
			f->skip -= n;
			if (f->skip)
				break;
		}
		if (!f->have_len) {
			while (f->npfx < f->pfx_len && cur_get_u8(&in, &f->pfx[f->npfx]))
				f->npfx++;
			if (f->npfx < f->pfx_len)
				break;
			struct cur pc = cur_make(f->pfx, f->pfx_len);
			uint64_t l = 0;
			(void)cur_get_uN(&pc, f->pfx_len, &l);
			f->npfx = 0;
			enum lenframe_verdict v = ops->check ? ops->check(user, (uint32_t)l) : LENFRAME_TAKE;
			if (v == LENFRAME_LOST) {
				lose(f);
				break;
			}
			if (v == LENFRAME_SKIP) {
				f->skip = (size_t)l;
				continue;
			}
			f->need = (size_t)l;
			f->have_len = true;
		}
		struct cur rec;
		if (f->body.len == 0 && cur_get_bytes(&in, &rec, f->need)) {
			/* The whole record is in this segment: hand it over in place. */
		} else {
			size_t take = f->need - f->body.len;
			struct cur part = cur_make(NULL, 0);
			if (take > cur_len(&in))
				take = cur_len(&in);
			(void)cur_get_bytes(&in, &part, take);
			if (sbuf_append(&f->body, cur_data(&part), take) < 0) {
				if (ops->overflow)
					ops->overflow(user);
				lose(f);
				break;
			}
			if (f->body.len < f->need)
				break;
			rec = cur_make(f->body.data, f->body.len);
		}
		int r = ops->record(user, rec);
		if (r < 0 && ret == 0)
			ret = r;
		sbuf_reset(&f->body);
		f->have_len = false;
	}
	return ret;
}

void lenframe_gap(struct lenframe *f, size_t len)
{
	if (f->lost)
		return;
	if (f->skip) {
		if (len <= f->skip) {
			f->skip -= len;
			return;
		}
	} else if (f->have_len) {
		size_t rest = f->need - f->body.len;
		if (len <= rest) {
			sbuf_reset(&f->body);
			f->have_len = false;
			f->skip = rest - len;
			return;
		}
	}
	lose(f);
}
