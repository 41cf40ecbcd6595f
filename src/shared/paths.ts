/**
 * Whether a folder typed or stored for a queue is a full path. Judged by its text, not by this
 * machine's node:path, so the browser UI, a host on another system and the CLI agree: a POSIX
 * path, a drive-letter path (C:\Art, C:/Art), or a Windows network share (\\nas\art), which is
 * where studios keep their artists' folders.
 */
export function isAbsolutePath(path: string): boolean {
  return /^(\/|[A-Za-z]:[\\/]|\\\\[^\\/]+[\\/])/.test(path);
}
