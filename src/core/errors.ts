// Errors are data: an errno-like code, what was being done, and a message.

export type Errno =
  | 'ENOENT' | 'ESRCH' | 'EINTR' | 'EAGAIN' | 'ENOMEM' | 'EBUSY' | 'EEXIST' | 'EINVAL' | 'ENOSPC' | 'ERANGE' | 'EBADF' | 'ENODEV' | 'E2BIG' | 'ENAMETOOLONG'
  /** Not a kernel errno: one of the emulator's fixed-size tables (maxCgroups, maxFolios, maxTasks, …) is full. */
  | 'ELIMIT';

/** A user-visible failure, answered like the kernel would (errno), state unchanged. */
export class MemcgError extends Error {
  readonly code: Errno;
  readonly file?: string;
  readonly input?: string;
  constructor(code: Errno, message: string, details: { file?: string; input?: string } = {}) {
    super(`${code}: ${message}`);
    this.name = 'MemcgError';
    this.code = code;
    this.file = details.file;
    this.input = details.input;
  }
}

/** The core aborted (a broken invariant) or the system was already poisoned by one. */
export class InternalError extends Error {
  readonly code = 'EINTERNAL';
  readonly where?: string;
  constructor(message: string, where?: string) {
    super(where ? `${message} (${where})` : message);
    this.name = 'InternalError';
    this.where = where;
  }
}

/** A call on a system after its dispose(). */
export class DisposedError extends Error {
  readonly code = 'EDISPOSED';
  constructor() {
    super('EDISPOSED: the system was disposed (System.dispose): create a new one');
    this.name = 'DisposedError';
  }
}

const ERRNO_NAMES: Record<number, Errno> = {
  2: 'ENOENT', 7: 'E2BIG', 3: 'ESRCH', 4: 'EINTR', 9: 'EBADF', 19: 'ENODEV', 11: 'EAGAIN', 12: 'ENOMEM', 16: 'EBUSY', 17: 'EEXIST', 22: 'EINVAL', 28: 'ENOSPC', 34: 'ERANGE', 36: 'ENAMETOOLONG',
  200: 'ELIMIT', // assembly/errno.ts ELIMIT
};

/** The name of a core return value -errno. */
export function errnoName(ret: number): Errno {
  return ERRNO_NAMES[-ret] ?? 'EINVAL';
}
