/*
 * memcg-live-helper: the native side of `memcg-sim live` (src/live/helper.ts builds and runs it).
 *
 * One supervisor process (this program) stays in the memcg it was started in and talks to
 * memcg-sim over stdin/stdout, one text line per request and reply. It forks one worker per
 * scenario task. A worker prepares everything it will use BEFORE memcg-sim moves it into its
 * measured cgroup, so that inside it allocates nothing but the pages the workload charges:
 *
 *   - its anonymous region, 2 MiB chunks of 511 usable pages; the first page of each chunk is
 *     written beforehand (it creates the PTE table and the anon_vma, so a fault inside needs
 *     neither), and a free never covers a whole chunk (so PT_RECLAIM, 6.14+, cannot free the
 *     PTE table on MADV_DONTNEED);
 *   - its THP region (MADV_HUGEPAGE, 2 MiB aligned slots), read once beforehand so each slot
 *     maps the huge zero page and has its page table deposited (do_huge_pmd_anonymous_page);
 *     a write then charges only the THP (do_huge_zero_wp_pmd) or falls back to 4 KiB pages;
 *   - its page cache file, on a disk filesystem: written, fsync'ed and dropped with
 *     POSIX_FADV_DONTNEED outside the cgroup, so a read inside charges the page to the measured
 *     memcg (filemap_add_folio charges the reader's memcg); FADV_RANDOM makes each read insert
 *     one order-0 folio; one page in every 64 (an "anchor") stays cached from outside so the
 *     xarray node of each 64 pages exists and no accounted xa_node is allocated inside;
 *   - its tmpfs file (for shmem, with the same anchors) and every code path it will run
 *     (syscalls warmed up, stack and data pages written: they are copy-on-write after fork).
 *
 * The supervisor and the workers share one page per worker (MAP_SHARED, faulted by both before
 * the move) and synchronise with futexes on it: no pipe write or signal from inside the cgroup
 * (those allocate accounted kernel memory). After every worker op the supervisor reads the
 * usage file memcg-sim named for the op, before and after, so memcg-sim sees every change.
 *
 * Requests (one line each; replies end with a line "ok" or are one line "err MESSAGE"):
 *   W id anon_pages thp_slots file_pages shmem_pages cpus datadir shmdir
 *                      fork worker id and prepare it; reply "ok PID" once it is ready
 *   U k path           open usage file k (memory.usage_in_bytes or memory.current)
 *   T ms               timeout of one op (default 30000)
 *   B n  + n lines "worker op cpu a b watch"
 *                      run the ops in order; reply one line per op "RES PRE POST" (RES: the
 *                      op's result, 0 or -errno, "dead" if its worker is gone, "timeout";
 *                      PRE/POST: the watch file in bytes before and after, -1 without one),
 *                      then "died ID SIGNAL OPINDEX" for each worker that died, then "ok"
 *   S                  "w ID PID alive|dead SIGNAL" per worker, then "ok"
 *   X cpu path value   write value (the rest of the line) to an interface file from cpu, as
 *                      `echo value > path` run there would (the kernel's write paths drain
 *                      and reclaim from the writer's CPU); reply "ok 0" or "ok -errno"
 *   M cpu path / R cpu path
 *                      mkdir / rmdir a cgroup from cpu (a new memcg's own kernel memory is charged
 *                      to its parent on the CPU that makes it); reply "ok 0" or "ok -errno"
 *   K id               SIGKILL worker id and reap it
 *   Q                  SIGKILL every worker, reap them, exit
 * Worker ops: t anon write (a = slot), h THP write of all 512 pages (a = slot), r file read
 * (a = page), f anon free (a = first slot, b = count, within one chunk), g THP free (a = slot),
 * d file drop (a = first page, b = count, contiguous in the file), a anon read (a = slot),
 * i THP read (a = slot),
 * b file access (a = page; result 1 if it was cached and read, 0 if not cached), s tmpfs write
 * (a = page), p tmpfs punch (a = first page, b = count), m mlock the anon region on fault,
 * n munlock it. Supervisor ops (worker -1): w sleep a microseconds, c drain the lru_add batches
 * of cpu (madvise MADV_COLD calls lru_add_drain on the calling CPU).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PAGE 4096UL
#define CHUNK (2UL << 20)
#define CHUNK_PAGES 512UL
#define SLOTS_PER_CHUNK 511UL /* page 0 of a chunk is the guard */
#define ANCHOR 64UL           /* XA_CHUNK_SIZE: one cached page per 64 keeps the xa_node */
#define USABLE (ANCHOR - 1)
#define MAX_WORKERS 64
#define MAX_WATCH 256
#define TMPFS_MAGIC_ 0x01021994
#define STACK_PRETOUCH (256 * 1024)

enum { ST_STARTING = 0, ST_READY = 1, ST_FAILED = 2 };

/* The page a supervisor and one worker share. */
struct ctl {
	uint32_t cmd_seq;  /* bumped by the supervisor: a new op */
	uint32_t done_seq; /* set to cmd_seq by the worker when the op is done */
	uint32_t state;    /* ST_* */
	int32_t op, cpu;
	int64_t a, b;
	int64_t result;
	char error[256]; /* why the preparation failed */
};

struct worker {
	struct ctl *ctl;
	pid_t pid;
	int alive, sig, reported;
	long died_at;
};

static struct worker workers[MAX_WORKERS];
static int watch_fd[MAX_WATCH];
static long op_timeout_ms = 30000;
static char *spare_page; /* the supervisor's page for MADV_COLD */

/* ---- the worker's state: one struct in .bss, written before the move ---- */
static struct {
	struct ctl *ctl;
	char *anon;
	unsigned long anon_chunks;
	char *thp;
	unsigned long thp_slots;
	int file_fd;
	char *file_map;
	unsigned long file_len;
	int shm_fd;
	char *buf;
	int cur_cpu;
	unsigned char vec[8];
} w;
static char wbuf[PAGE] __attribute__((aligned(4096)));
extern const char __executable_start, _edata;

static long futex(uint32_t *uaddr, int op, uint32_t val, const struct timespec *ts)
{
	return syscall(SYS_futex, uaddr, op, val, ts, NULL, 0);
}

static int pin(int cpu)
{
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set) ? -errno : 0;
}

/* The supervisor runs anywhere again after an op pinned to one CPU. */
static void unpin(void)
{
	cpu_set_t all;
	CPU_ZERO(&all);
	for (int c = 0; c < CPU_SETSIZE; c++)
		CPU_SET(c, &all);
	sched_setaffinity(0, sizeof(all), &all);
}

static char *anon_slot(unsigned long i)
{
	return w.anon + (i / SLOTS_PER_CHUNK) * CHUNK + (1 + i % SLOTS_PER_CHUNK) * PAGE;
}

/* page i of the workload → its index in the file (anchors skipped) */
static unsigned long file_index(unsigned long i)
{
	return (i / USABLE) * ANCHOR + i % USABLE;
}

static unsigned long file_pages_for(unsigned long n)
{
	return (n + USABLE - 1) / USABLE * ANCHOR;
}

static void *map_aligned(unsigned long len)
{
	char *p = mmap(NULL, len + CHUNK, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	char *a = (char *)(((uintptr_t)p + CHUNK - 1) & ~(CHUNK - 1));
	if (a > p)
		munmap(p, a - p);
	if (a + len < p + len + CHUNK)
		munmap(a + len, p + len + CHUNK - (a + len));
	return a;
}

static void prepare_fail(const char *what)
{
	snprintf(w.ctl->error, sizeof(w.ctl->error), "%s: %s", what, strerror(errno));
	__atomic_store_n(&w.ctl->state, ST_FAILED, __ATOMIC_SEQ_CST);
	futex(&w.ctl->state, FUTEX_WAKE, 1, NULL);
	_exit(1);
}

/* Count the cached pages of the file mapping. */
static long resident(unsigned long pages, int want_anchor_only)
{
	long n = 0;
	for (unsigned long i = 0; i < pages; i++) {
		if (mincore(w.file_map + i * PAGE, PAGE, w.vec))
			return -1;
		if (w.vec[0] & 1) {
			if (want_anchor_only && i % ANCHOR != ANCHOR - 1)
				return -2;
			n++;
		}
	}
	return n;
}

static void prepare_file(const char *dir, unsigned long n)
{
	char path[4096];
	struct statfs fs;
	if (statfs(dir, &fs))
		prepare_fail("statfs of the data directory");
	if (fs.f_type == TMPFS_MAGIC_) {
		errno = EINVAL;
		prepare_fail("the page cache file must be on a disk filesystem, not tmpfs (its pages stay charged to the writer)");
	}
	snprintf(path, sizeof(path), "%s/memcg-live-%d.data", dir, (int)getpid());
	w.file_fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_NOATIME, 0600);
	if (w.file_fd < 0)
		prepare_fail("create the page cache file");
	unlink(path);
	unsigned long pages = file_pages_for(n);
	w.file_len = pages * PAGE;
	memset(wbuf, 0x5a, PAGE);
	for (unsigned long i = 0; i < pages; i++)
		if (pwrite(w.file_fd, wbuf, PAGE, i * PAGE) != (ssize_t)PAGE)
			prepare_fail("write the page cache file");
	if (fsync(w.file_fd))
		prepare_fail("fsync the page cache file");
	w.file_map = mmap(NULL, w.file_len, PROT_READ, MAP_SHARED, w.file_fd, 0);
	if (w.file_map == MAP_FAILED)
		prepare_fail("mmap the page cache file");
	/* Drop every page (a page under writeback stays: retry). */
	for (int tries = 0;; tries++) {
		posix_fadvise(w.file_fd, 0, w.file_len, POSIX_FADV_DONTNEED);
		long r = resident(pages, 0);
		if (r == 0)
			break;
		if (tries > 200) {
			errno = EBUSY;
			prepare_fail("drop the page cache file's pages");
		}
		usleep(10000);
	}
	if (posix_fadvise(w.file_fd, 0, 0, POSIX_FADV_RANDOM))
		prepare_fail("fadvise random");
	for (unsigned long i = ANCHOR - 1; i < pages; i += ANCHOR)
		if (pread(w.file_fd, wbuf, PAGE, i * PAGE) != (ssize_t)PAGE)
			prepare_fail("read the anchor pages");
	if (resident(pages, 1) != (long)(pages / ANCHOR)) {
		errno = EAGAIN;
		prepare_fail("only the anchor pages should be cached (readahead?)");
	}
}

static void prepare_shmem(const char *dir, unsigned long n)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/memcg-live-%d.shm", dir, (int)getpid());
	w.shm_fd = open(path, O_RDWR | O_CREAT | O_EXCL, 0600);
	if (w.shm_fd < 0)
		prepare_fail("create the tmpfs file");
	unlink(path);
	unsigned long pages = file_pages_for(n);
	if (ftruncate(w.shm_fd, pages * PAGE))
		prepare_fail("size the tmpfs file");
	memset(wbuf, 0x5a, PAGE);
	for (unsigned long i = ANCHOR - 1; i < pages; i += ANCHOR)
		if (pwrite(w.shm_fd, wbuf, PAGE, i * PAGE) != (ssize_t)PAGE)
			prepare_fail("write the tmpfs anchor pages");
}

static int use_huge_zero_page(void)
{
	int fd = open("/sys/kernel/mm/transparent_hugepage/use_zero_page", O_RDONLY);
	char c = '0';
	if (fd >= 0) {
		if (read(fd, &c, 1) != 1)
			c = '0';
		close(fd);
	}
	return c == '1';
}

static __attribute__((noinline)) void pretouch_stack(void)
{
	volatile char big[STACK_PRETOUCH];
	for (unsigned long i = 0; i < sizeof(big); i += PAGE / 2)
		big[i] = 1;
}

static long do_op(int op, int64_t a, int64_t b)
{
	long r = 0;
	switch (op) {
	case 't':
		*(volatile char *)anon_slot(a) = 1;
		break;
	case 'a':
		(void)*(volatile char *)anon_slot(a);
		break;
	case 'i':
		(void)*(volatile char *)(w.thp + a * CHUNK);
		break;
	case 'h': {
		volatile char *p = w.thp + a * CHUNK;
		for (unsigned long i = 0; i < CHUNK_PAGES; i++)
			p[i * PAGE] = 1;
		break;
	}
	case 'f':
		r = madvise(anon_slot(a), b * PAGE, MADV_DONTNEED) ? -errno : 0;
		break;
	case 'g':
		r = madvise(w.thp + a * CHUNK, CHUNK, MADV_DONTNEED) ? -errno : 0;
		break;
	case 'r':
		r = pread(w.file_fd, w.buf, PAGE, file_index(a) * PAGE);
		r = r < 0 ? -errno : 0;
		break;
	case 'b':
		if (mincore(w.file_map + file_index(a) * PAGE, PAGE, w.vec)) {
			r = -errno;
		} else if (w.vec[0] & 1) {
			r = pread(w.file_fd, w.buf, PAGE, file_index(a) * PAGE) < 0 ? -errno : 1;
		} else
			r = 0;
		break;
	case 'd':
		r = -posix_fadvise(w.file_fd, file_index(a) * PAGE, b * PAGE, POSIX_FADV_DONTNEED);
		break;
	case 's':
		r = pwrite(w.shm_fd, w.buf, PAGE, file_index(a) * PAGE) < 0 ? -errno : 0;
		break;
	case 'p':
		r = fallocate(w.shm_fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, file_index(a) * PAGE, b * PAGE) ? -errno : 0;
		break;
	case 'm':
		r = syscall(SYS_mlock2, w.anon, w.anon_chunks * CHUNK, 1 /* MLOCK_ONFAULT */) ? -errno : 0;
		break;
	case 'n':
		r = munlock(w.anon, w.anon_chunks * CHUNK) ? -errno : 0;
		break;
	default:
		r = -EINVAL;
	}
	return r;
}

static void worker_main(struct ctl *ctl, pid_t parent, unsigned long anon_pages, unsigned long thp_slots,
			unsigned long file_pages, unsigned long shmem_pages, const char *cpus, const char *datadir,
			const char *shmdir)
{
	memset(&w, 0, sizeof(w));
	w.ctl = ctl;
	w.file_fd = w.shm_fd = -1;
	w.buf = wbuf;
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) || getppid() != parent)
		_exit(1);
	signal(SIGPIPE, SIG_IGN);
	cpu_set_t set;
	CPU_ZERO(&set);
	for (const char *p = cpus; *p;) {
		char *end;
		long c = strtol(p, &end, 10);
		if (end == p)
			break;
		CPU_SET(c, &set);
		p = *end == ',' ? end + 1 : end;
	}
	if (sched_setaffinity(0, sizeof(set), &set))
		prepare_fail("sched_setaffinity");
	w.cur_cpu = -1;

	w.anon_chunks = (anon_pages + SLOTS_PER_CHUNK - 1) / SLOTS_PER_CHUNK;
	if (w.anon_chunks == 0)
		w.anon_chunks = 1;
	w.anon = map_aligned(w.anon_chunks * CHUNK);
	if (!w.anon)
		prepare_fail("mmap the anon region");
	if (madvise(w.anon, w.anon_chunks * CHUNK, MADV_NOHUGEPAGE))
		prepare_fail("madvise NOHUGEPAGE");
	for (unsigned long c = 0; c < w.anon_chunks; c++)
		w.anon[c * CHUNK] = 1; /* guard: PTE table + anon_vma */

	w.thp_slots = thp_slots;
	if (thp_slots) {
		w.thp = map_aligned(thp_slots * CHUNK);
		if (!w.thp)
			prepare_fail("mmap the THP region");
		if (madvise(w.thp, thp_slots * CHUNK, MADV_HUGEPAGE))
			prepare_fail("madvise HUGEPAGE");
		if (use_huge_zero_page())
			for (unsigned long s = 0; s < thp_slots; s++)
				(void)*(volatile char *)(w.thp + s * CHUNK);
	}
	if (file_pages)
		prepare_file(datadir, file_pages);
	if (shmem_pages)
		prepare_shmem(shmdir, shmem_pages);

	/* Warm up every path the ops take (code pages, the TLS page errno lives in, the stack). */
	pretouch_stack();
	/* Map our text, read-only data (switch tables) and data: fork copies no PTE of a file mapping. */
	for (const char *t = (const char *)((uintptr_t)&__executable_start & ~(PAGE - 1)); t < &_edata; t += PAGE)
		(void)*(volatile const char *)t;
	pin(sched_getcpu());
	do_op(0, 0, 0);
	madvise(w.anon, PAGE, MADV_COLD);
	mincore(w.anon, PAGE, w.vec);
	if (w.file_fd >= 0) {
		mincore(w.file_map, PAGE, w.vec);
		posix_fadvise(w.file_fd, 0, PAGE, POSIX_FADV_NORMAL); /* 0 is an anchor-free page: dropped already */
		posix_fadvise(w.file_fd, 0, 0, POSIX_FADV_RANDOM);
		posix_fadvise(w.file_fd, 0, PAGE, POSIX_FADV_DONTNEED);
	}
	if (w.shm_fd >= 0)
		fallocate(w.shm_fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0, PAGE);
	struct timespec z = { 0, 0 };
	nanosleep(&z, NULL);
	futex(&ctl->done_seq, FUTEX_WAKE, 0, NULL);
	errno = 0;
	memset(wbuf, 0x5a, PAGE);

	uint32_t seen = __atomic_load_n(&ctl->cmd_seq, __ATOMIC_SEQ_CST);
	__atomic_store_n(&ctl->state, ST_READY, __ATOMIC_SEQ_CST);
	futex(&ctl->state, FUTEX_WAKE, 1, NULL);
	for (;;) {
		uint32_t s = __atomic_load_n(&ctl->cmd_seq, __ATOMIC_SEQ_CST);
		if (s == seen) {
			futex(&ctl->cmd_seq, FUTEX_WAIT, seen, NULL);
			continue;
		}
		seen = s;
		long r = 0;
		if (ctl->cpu != w.cur_cpu) {
			r = pin(ctl->cpu);
			if (!r)
				w.cur_cpu = ctl->cpu;
		}
		if (!r)
			r = do_op(ctl->op, ctl->a, ctl->b);
		ctl->result = r;
		__atomic_store_n(&ctl->done_seq, seen, __ATOMIC_SEQ_CST);
		futex(&ctl->done_seq, FUTEX_WAKE, 1, NULL);
	}
}

/* ---- the supervisor ---- */

static void on_sigchld(int sig)
{
	(void)sig; /* only interrupts a futex wait */
}

static void reap(void)
{
	int status;
	pid_t p;
	while ((p = waitpid(-1, &status, WNOHANG)) > 0) {
		for (int i = 0; i < MAX_WORKERS; i++) {
			if (workers[i].pid == p && workers[i].alive) {
				workers[i].alive = 0;
				workers[i].sig = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
			}
		}
	}
}

static long now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* Wait until *word != old (or the worker dies, or the timeout passes): 0, -ESRCH, -ETIMEDOUT. */
static int wait_change(struct worker *wk, uint32_t *word, uint32_t old, long timeout_ms)
{
	long deadline = now_ms() + timeout_ms;
	for (;;) {
		if (__atomic_load_n(word, __ATOMIC_SEQ_CST) != old)
			return 0;
		reap();
		if (!wk->alive)
			return __atomic_load_n(word, __ATOMIC_SEQ_CST) != old ? 0 : -ESRCH;
		if (now_ms() > deadline)
			return -ETIMEDOUT;
		struct timespec ts = { 0, 50 * 1000 * 1000 };
		futex(word, FUTEX_WAIT, old, &ts);
	}
}

static long read_watch(int k)
{
	if (k < 0 || k >= MAX_WATCH || watch_fd[k] < 0)
		return -1;
	char buf[64];
	ssize_t n = pread(watch_fd[k], buf, sizeof(buf) - 1, 0);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	return strtol(buf, NULL, 10);
}

static void kill_worker(int id)
{
	struct worker *wk = &workers[id];
	if (!wk->pid)
		return;
	if (wk->alive) {
		kill(wk->pid, SIGKILL);
		int status;
		if (waitpid(wk->pid, &status, 0) == wk->pid) {
			wk->alive = 0;
			wk->sig = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
		}
	}
}

static void reply(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void reply(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

static void cmd_worker(char *args)
{
	int id;
	unsigned long anon, thp, file, shm;
	char cpus[1024], datadir[2048], shmdir[2048];
	if (sscanf(args, "%d %lu %lu %lu %lu %1023s %2047s %2047s", &id, &anon, &thp, &file, &shm, cpus, datadir, shmdir) != 8 ||
	    id < 0 || id >= MAX_WORKERS || workers[id].pid) {
		reply("err bad W request");
		return;
	}
	struct ctl *ctl = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (ctl == MAP_FAILED) {
		reply("err mmap: %s", strerror(errno));
		return;
	}
	memset(ctl, 0, PAGE);
	pid_t parent = getpid();
	fflush(stdout);
	pid_t pid = fork();
	if (pid < 0) {
		reply("err fork: %s", strerror(errno));
		return;
	}
	if (pid == 0)
		worker_main(ctl, parent, anon, thp, file, shm, cpus, datadir, shmdir);
	workers[id] = (struct worker){ .ctl = ctl, .pid = pid, .alive = 1, .died_at = -1 };
	int r = wait_change(&workers[id], &ctl->state, ST_STARTING, 300000);
	if (r == 0 && ctl->state == ST_READY) {
		reply("ok %d", (int)pid);
		return;
	}
	kill_worker(id);
	reply("err worker %d: %s", id, r == 0 ? ctl->error : r == -ESRCH ? "died while preparing" : "timed out while preparing");
}

static void cmd_batch(long n)
{
	char line[256];
	long base_died[MAX_WORKERS];
	for (int i = 0; i < MAX_WORKERS; i++)
		base_died[i] = workers[i].alive;
	for (long i = 0; i < n; i++) {
		int wid, cpu, k;
		char op;
		long long a, b;
		if (!fgets(line, sizeof(line), stdin) || sscanf(line, "%d %c %d %lld %lld %d", &wid, &op, &cpu, &a, &b, &k) != 6) {
			reply("err bad op line %ld", i);
			exit(2);
		}
		long pre = read_watch(k);
		if (wid < 0) {
			long r = 0;
			if (op == 'w') {
				struct timespec ts = { a / 1000000, (a % 1000000) * 1000 };
				while (nanosleep(&ts, &ts) && errno == EINTR)
					;
			} else if (op == 'c') {
				r = pin(cpu);
				if (!r)
					r = madvise(spare_page, PAGE, MADV_COLD) ? -errno : 0;
				unpin();
			} else
				r = -EINVAL;
			reply("%ld %ld %ld", r, pre, read_watch(k));
			continue;
		}
		struct worker *wk = wid < MAX_WORKERS ? &workers[wid] : NULL;
		reap();
		if (!wk || !wk->pid || !wk->alive) {
			reply("dead %ld %ld", pre, pre);
			continue;
		}
		struct ctl *c = wk->ctl;
		c->op = op;
		c->cpu = cpu;
		c->a = a;
		c->b = b;
		uint32_t seq = c->cmd_seq + 1;
		__atomic_store_n(&c->cmd_seq, seq, __ATOMIC_SEQ_CST);
		futex(&c->cmd_seq, FUTEX_WAKE, 1, NULL);
		int r = wait_change(wk, &c->done_seq, seq - 1, op_timeout_ms);
		if (r == -ESRCH) {
			wk->died_at = i;
			reply("dead %ld %ld", pre, read_watch(k));
		} else if (r == -ETIMEDOUT) {
			reply("timeout %ld %ld", pre, read_watch(k));
		} else
			reply("%ld %ld %ld", (long)c->result, pre, read_watch(k));
	}
	reap();
	for (int i = 0; i < MAX_WORKERS; i++) {
		if (workers[i].pid && base_died[i] && !workers[i].alive)
			reply("died %d %d %ld", i, workers[i].sig, workers[i].died_at);
	}
	reply("ok");
}

int main(void)
{
	char line[8192];
	for (int i = 0; i < MAX_WATCH; i++)
		watch_fd[i] = -1;
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sigchld; /* no SA_RESTART: a death interrupts the futex wait */
	sigaction(SIGCHLD, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	spare_page = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	setvbuf(stdout, NULL, _IOLBF, 0);
	reply("memcg-live-helper 1");
	while (fgets(line, sizeof(line), stdin)) {
		line[strcspn(line, "\n")] = 0;
		char *args = line[1] ? line + 2 : line + 1;
		switch (line[0]) {
		case 'W':
			cmd_worker(args);
			break;
		case 'U': {
			int k;
			char path[4096];
			if (sscanf(args, "%d %4095s", &k, path) != 2 || k < 0 || k >= MAX_WATCH) {
				reply("err bad U request");
				break;
			}
			if (watch_fd[k] >= 0)
				close(watch_fd[k]);
			watch_fd[k] = open(path, O_RDONLY | O_CLOEXEC);
			if (watch_fd[k] < 0)
				reply("err open %s: %s", path, strerror(errno));
			else
				reply("ok");
			break;
		}
		case 'T':
			op_timeout_ms = atol(args);
			reply("ok");
			break;
		case 'B':
			cmd_batch(atol(args));
			break;
		case 'S':
			reap();
			for (int i = 0; i < MAX_WORKERS; i++)
				if (workers[i].pid)
					reply("w %d %d %s %d", i, (int)workers[i].pid, workers[i].alive ? "alive" : "dead", workers[i].sig);
			reply("ok");
			break;
		case 'M':
		case 'R': {
			int cpu;
			char path[4096];
			if (sscanf(args, "%d %4095s", &cpu, path) != 2) {
				reply("err bad %c request", line[0]);
				break;
			}
			long r = pin(cpu);
			if (!r)
				r = (line[0] == 'M' ? mkdir(path, 0755) : rmdir(path)) ? -errno : 0;
			unpin();
			reply("ok %ld", r);
			break;
		}
		case 'X': {
			int cpu, n = 0;
			char path[4096];
			if (sscanf(args, "%d %4095s %n", &cpu, path, &n) != 2 || n == 0) {
				reply("err bad X request");
				break;
			}
			const char *value = args + n;
			long r = pin(cpu);
			if (!r) {
				int fd = open(path, O_WRONLY | O_CLOEXEC);
				if (fd < 0)
					r = -errno;
				else {
					if (write(fd, value, strlen(value)) < 0)
						r = -errno;
					close(fd);
				}
			}
			unpin();
			reply("ok %ld", r);
			break;
		}
		case 'K': {
			int id = atoi(args);
			if (id >= 0 && id < MAX_WORKERS)
				kill_worker(id);
			reply("ok");
			break;
		}
		case 'Q':
			for (int i = 0; i < MAX_WORKERS; i++)
				kill_worker(i);
			reply("ok");
			return 0;
		default:
			reply("err unknown request");
		}
	}
	for (int i = 0; i < MAX_WORKERS; i++)
		kill_worker(i);
	return 0;
}
