// Kernel errno values (include/uapi/asm-generic/errno-base.h). The core returns 0 or -errno.
export const ENOENT: i32 = 2;
export const ESRCH: i32 = 3;
export const EINTR: i32 = 4;
export const EAGAIN: i32 = 11;
export const ENOMEM: i32 = 12;
export const EBUSY: i32 = 16;
export const EEXIST: i32 = 17;
export const EINVAL: i32 = 22;
export const ENOSPC: i32 = 28;
export const ELIMIT: i32 = 200; // not a kernel errno: an emulator table (cgroups, memcgs, tasks) is full
