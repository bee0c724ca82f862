#!/bin/bash
# usage: drive.sh MODE N [PATH]   -> one line: mode n usage kmem stat-keys
P=/sys/fs/cgroup/memory/process_api/$(grep memory: /proc/self/cgroup | sed 's#.*/##')
C=$P/msim-h-probe
mkdir $C || exit 1
fifo=$(mktemp -u); mkfifo $fifo
taskset -c 1 /tmp/kmem/probe "$@" > $fifo &
pid=$!
read line < $fifo
echo $pid > $C/cgroup.procs
u0=$(cat $C/memory.usage_in_bytes); k0=$(cat $C/memory.kmem.usage_in_bytes)
kill -USR1 $pid
for i in $(seq 1 200); do st=$(awk '{print $3}' /proc/$pid/stat); [ "$st" = T ] && break; sleep 0.02; done
u1=$(cat $C/memory.usage_in_bytes); k1=$(cat $C/memory.kmem.usage_in_bytes)
sleep 2.5
u2=$(cat $C/memory.usage_in_bytes); k2=$(cat $C/memory.kmem.usage_in_bytes)
stat=$(awk '$1~/^(cache|rss|rss_huge|shmem|mapped_file|pgpgin|pgpgout|pgfault|inactive_anon|active_anon|inactive_file|active_file|unevictable)$/{printf "%s=%d ",$1,($1~/^pg/)?$2:$2/4096}' $C/memory.stat)
tcp=$(cat $C/memory.kmem.tcp.usage_in_bytes)
echo "$* : before u=$((u0/4096)) k=$((k0/4096)) | after u=$((u1/4096)) k=$((k1/4096)) | +2.5s u=$((u2/4096)) k=$((k2/4096)) maxk=$(( $(cat $C/memory.kmem.max_usage_in_bytes)/4096 )) kfail=$(cat $C/memory.kmem.failcnt) tcp=$tcp | $stat"
kill -9 $pid; wait $pid 2>/dev/null
rm -f $fifo
echo 0 > $C/memory.force_empty 2>/dev/null
rmdir $C
sleep 1
