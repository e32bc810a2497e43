/* malloc_count.c — an LD_PRELOAD probe that counts allocations (malloc,
 * calloc, realloc, aligned) over every thread of a process and prints the
 * total at exit: the "allocations per packet" figure of the benchmark.
 *   cc -O2 -shared -fPIC -o malloc_count.so malloc_count.c -ldl
 *   LD_PRELOAD=./malloc_count.so aisensor -r FILE -q
 * The count goes to stderr as "malloc_count: N allocations"; with
 * MALLOC_COUNT_SITES=1, the callers that allocate most follow (symbol of
 * the return address, as dladdr names it). */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static _Atomic unsigned long n;

/* Allocation sites: return address -> count (open addressing; lossy when full). */
#define SITES 4096
static struct {
	_Atomic(void *) at;
	_Atomic unsigned long n;
} sites[SITES];
static int by_site = -1;

static void count(void *at)
{
	atomic_fetch_add_explicit(&n, 1, memory_order_relaxed);
	if (by_site < 0)
		by_site = getenv("MALLOC_COUNT_SITES") != NULL;
	if (!by_site)
		return;
	size_t h = ((size_t)at >> 4) % SITES;
	for (size_t k = 0; k < 64; k++, h = (h + 1) % SITES) {
		void *cur = atomic_load_explicit(&sites[h].at, memory_order_relaxed);
		if (!cur && atomic_compare_exchange_strong(&sites[h].at, &cur, at))
			cur = at;
		if (cur == at) {
			atomic_fetch_add_explicit(&sites[h].n, 1, memory_order_relaxed);
			return;
		}
	}
}
static void *(*real_malloc)(size_t);
static void *(*real_calloc)(size_t, size_t);
static void *(*real_realloc)(void *, size_t);
static int (*real_memalign)(void **, size_t, size_t);

/* dlsym itself may calloc before real_calloc is known: a small static arena. */
static char early[4096];
static size_t early_used;

static void init(void)
{
	real_malloc = dlsym(RTLD_NEXT, "malloc");
	real_calloc = dlsym(RTLD_NEXT, "calloc");
	real_realloc = dlsym(RTLD_NEXT, "realloc");
	real_memalign = dlsym(RTLD_NEXT, "posix_memalign");
}

void *malloc(size_t s)
{
	if (!real_malloc)
		init();
	count(__builtin_return_address(0));
	return real_malloc(s);
}

void *calloc(size_t a, size_t b)
{
	if (!real_calloc) {
		size_t want = (a * b + 15) & ~(size_t)15;
		if (early_used + want > sizeof early)
			return NULL;
		void *p = early + early_used;
		early_used += want;
		return p;
	}
	count(__builtin_return_address(0));
	return real_calloc(a, b);
}

void *realloc(void *p, size_t s)
{
	if (!real_realloc)
		init();
	count(__builtin_return_address(0));
	return real_realloc(p, s);
}

int posix_memalign(void **p, size_t al, size_t s)
{
	if (!real_memalign)
		init();
	count(__builtin_return_address(0));
	return real_memalign(p, al, s);
}

void free(void *p)
{
	static void (*real_free)(void *);
	if ((char *)p >= early && (char *)p < early + sizeof early)
		return;
	if (!real_free)
		real_free = dlsym(RTLD_NEXT, "free");
	real_free(p);
}

__attribute__((destructor)) static void report(void)
{
	char buf[512];
	int k = snprintf(buf, sizeof buf, "malloc_count: %lu allocations\n", atomic_load(&n));
	if (write(2, buf, (size_t)k) < 0 || by_site != 1)
		return;
	by_site = 0; /* dladdr and snprintf below may allocate */
	for (int top = 0; top < 15; top++) {
		size_t best = SITES;
		for (size_t i = 0; i < SITES; i++)
			if (atomic_load(&sites[i].n) && (best == SITES || atomic_load(&sites[i].n) > atomic_load(&sites[best].n)))
				best = i;
		if (best == SITES)
			break;
		Dl_info di;
		void *at = atomic_load(&sites[best].at);
		const char *sym = dladdr(at, &di) && di.dli_sname ? di.dli_sname : "?";
		const char *obj = di.dli_fname ? strrchr(di.dli_fname, '/') : NULL;
		k = snprintf(buf, sizeof buf, "  %10lu  %s (%s+0x%lx)\n", atomic_load(&sites[best].n), sym, obj ? obj + 1 : "?",
			     (unsigned long)((char *)at - (char *)di.dli_fbase));
		if (write(2, buf, (size_t)k) < 0)
			return;
		atomic_store(&sites[best].n, 0);
	}
}
