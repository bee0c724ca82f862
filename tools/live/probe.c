// msim-h live probe: waits for SIGUSR1 (after the driver moved it into a memcg), performs one
// action, then stops itself (SIGSTOP) so the driver can read the memcg files.
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <unistd.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
static volatile int go;
static void h(int s){(void)s;go=1;}
#define PG 4096UL
int main(int argc,char**argv){
  if(argc<3){fprintf(stderr,"usage\n");return 2;}
  const char*mode=argv[1]; long n=atol(argv[2]); const char*path=argc>3?argv[3]:0;
  signal(SIGUSR1,h);
  static char buf[1<<20]; memset(buf,1,sizeof buf);
  // reserve an aligned VA region before the move (the VMA slab objects are charged here)
  size_t len = (mode[0]=='t') ? (4UL<<20) : ((n*PG + (2UL<<20)) & ~((2UL<<20)-1)) + (4UL<<20);
  int shared = !strcmp(mode,"shmmap");
  char*raw=mmap(0,len,PROT_READ|PROT_WRITE,MAP_ANONYMOUS|(shared?MAP_SHARED:MAP_PRIVATE),-1,0);
  if(raw==MAP_FAILED){perror("mmap");return 1;}
  char*p=(char*)(((unsigned long)raw+(2UL<<20)-1)&~((2UL<<20)-1));
  if(!strcmp(mode,"thp")) madvise(p,2UL<<20,MADV_HUGEPAGE); else madvise(raw,len,MADV_NOHUGEPAGE);
  int fd=-1;
  if(path && strcmp(mode,"shm")) { fd=open(path,O_RDONLY); if(fd<0){perror("open");return 1;} }
  printf("ready\n"); fflush(stdout);
  while(!go) pause();
  if(!strcmp(mode,"anon")||!strcmp(mode,"shmmap")||!strcmp(mode,"thp")){
    long pages = !strcmp(mode,"thp") ? 1 : n;
    for(long i=0;i<pages;i++) p[i*PG]=1;
  } else if(!strcmp(mode,"mlock")){
    if(mlock(p,n*PG)) { perror("mlock"); }
  } else if(!strcmp(mode,"read")){
    size_t cs = n > 0 ? (size_t)n*1024 : sizeof buf; ssize_t r; while((r=read(fd,buf,cs))>0);
  } else if(!strcmp(mode,"mmapfile")){
    struct stat st; fstat(fd,&st); char*m=mmap(0,st.st_size,PROT_READ,MAP_SHARED,fd,0);
    volatile char s=0; for(off_t o=0;o<st.st_size;o+=PG) s+=m[o]; (void)s;
  } else if(!strcmp(mode,"shm")){
    int f=open(path,O_CREAT|O_RDWR|O_TRUNC,0600); if(f<0){perror("open");return 1;}
    long left=n*PG; while(left>0){ssize_t w=write(f,buf,left>(long)sizeof buf?sizeof buf:left); if(w<=0)break; left-=w;}
    close(f);
  } else if(!strcmp(mode,"nop")){
  }
  raise(SIGSTOP);
  pause();
  return 0;
}
