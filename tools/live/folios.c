#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/stat.h>
int main(int c,char**v){int fd=open(v[1],O_RDONLY);struct stat st;fstat(fd,&st);long n=st.st_size/4096;
 char*m=mmap(0,st.st_size,PROT_READ,MAP_SHARED,fd,0);volatile char s=0;for(long i=0;i<n;i++)s+=m[i*4096];
 int pm=open("/proc/self/pagemap",O_RDONLY),kf=open("/proc/kpageflags",O_RDONLY);
 long hist[12]={0};long cur=-1,len=0,order_run=0; int prev=-1,cnt=0; long i;
 for(i=0;i<n;i++){uint64_t e;pread(pm,&e,8,((uintptr_t)m/4096+i)*8);uint64_t pfn=e&((1ULL<<55)-1);uint64_t f;pread(kf,&f,8,pfn*8);
  int tail=(f>>16)&1; if(!tail){ if(len){int o=__builtin_ctzl(len);hist[o]++; if(o!=prev){if(prev>=0)printf("%dx o%d ",cnt,prev);prev=o;cnt=0;} cnt++;} len=1;} else len++;}
 if(len){int o=__builtin_ctzl(len);hist[o]++;if(o!=prev){if(prev>=0)printf("%dx o%d ",cnt,prev);prev=o;cnt=0;}cnt++;}
 printf("%dx o%d\n",cnt,prev); long t=0;for(int o=0;o<12;o++)t+=hist[o]; printf("folios=%ld\n",t);}
