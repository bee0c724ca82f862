// A command line that cannot be used: the message, and the command whose usage to print.

export class UsageError extends Error {
  constructor(message: string, readonly command?: string) {
    super(message);
    this.name = 'UsageError';
  }
}
