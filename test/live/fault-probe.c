// memcg-sim live probe (helper fid-charge): fault anon pages one by one inside a v1 memcg.
// usage: probe TASKSFILE NPAGES HOLD [STATUSFILE]
//   prepares the mapping, its page tables and a shared status page outside the memcg, joins it
//   (writes its pid to TASKSFILE), touches NPAGES pages one by one, stores the count of pages
//   touched in the status page after each; HOLD=1: then pause() (stay alive).
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
int main(int argc, char **argv) {
  if (argc < 4) return 2;
  long n = atol(argv[2]);
  int hold = atoi(argv[3]);
  long ps = 4096;
  volatile long *st = NULL;
  if (argc > 4) {
    int sfd = open(argv[4], O_RDWR | O_CREAT | O_TRUNC, 0644);
    if (sfd < 0 || ftruncate(sfd, ps)) return 6;
    st = mmap(NULL, ps, PROT_READ | PROT_WRITE, MAP_SHARED, sfd, 0);
    if (st == MAP_FAILED) return 7;
    st[0] = -1;
  }
  char *p = mmap(NULL, n * ps + (2 << 20), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) return 3;
  madvise(p, n * ps, MADV_NOHUGEPAGE);
  for (long i = 0; i < n; i += 512) p[i * ps] = 1; // page tables outside the memcg
  madvise(p, n * ps, MADV_DONTNEED);
  char pid[32];
  int len = snprintf(pid, sizeof pid, "%d\n", getpid());
  int fd = open(argv[1], O_WRONLY);
  if (fd < 0) return 4;
  if (write(fd, pid, len) != len) return 5;
  close(fd);
  for (long i = 0; i < n; i++) {
    p[i * ps] = 1;
    if (st) st[0] = i + 1;
  }
  if (hold) for (;;) pause();
  return 0;
}
