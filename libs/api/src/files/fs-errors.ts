// File-system errors the HTTP routes answer as a client's mistake rather than a server failure.

/** Errors that mean the name cannot exist on this file system (too long, bad characters, a file where a folder must be). */
export function isBadNameError(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  return (
    code === 'ENAMETOOLONG' ||
    code === 'EINVAL' ||
    code === 'ENOTDIR' ||
    code === 'EISDIR' ||
    code === 'EEXIST' ||
    code === 'ENOTEMPTY' ||
    code === 'EILSEQ'
  );
}
