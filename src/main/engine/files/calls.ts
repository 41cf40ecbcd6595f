/**
 * How the engine's per-item file-system calls run: through libuv's thread pool (node:fs/promises,
 * the default), or on the calling thread (the synchronous calls, wrapped to the same promise-shaped
 * signatures), chosen once per process.
 *
 * Why two ways. A call through the thread pool costs, besides the system call itself, a hand-off to
 * a pool thread and back: a lock, a wake-up of a sleeping thread (a futex, an inter-processor
 * interrupt under a hypervisor), a completion event and a promise. Measured on a 2-core VM, that is
 * about 0.1 ms of CPU per call; an item made some twenty of them (checking its input, reserving,
 * writing, syncing and placing its result), which was about a third of `kiln convert`'s CPU per item
 * (issue 13.3, bench/cli-cpu.ts). Made on the main thread, the same calls cost only the system call.
 *
 * Which way where. The desktop app and the web host keep the thread pool: their main thread also
 * answers the window, and a call to a slow or hung network share must never freeze it. The CLI has
 * nothing else to answer: it runs its calls blocking (src/cli/bin.ts), which makes a batch on a
 * hung share wait where it would have waited anyway.
 *
 * The calls made per file or per item go through here (taking in, checking, reserving, writing and
 * placing); a folder's listing, made once per folder, stays on the thread pool.
 */
import {
  closeSync,
  createReadStream,
  createWriteStream,
  fstatSync,
  fsyncSync,
  linkSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  readSync,
  realpathSync,
  renameSync,
  rmSync,
  statfsSync,
  statSync,
  unlinkSync,
  writeSync,
  writevSync,
  type Stats,
  type StatsFs,
} from 'node:fs';
import * as threadPool from 'node:fs/promises';
import type { Readable, Writable } from 'node:stream';

/** What the engine does with an open file: the part of a FileHandle it uses. */
export interface OpenFile {
  read(buffer: Uint8Array, offset: number, length: number, position: number | null): Promise<{ bytesRead: number }>;
  stat(): Promise<Stats>;
  /** Writes all of `data` at the file's current position. */
  write(data: Uint8Array): Promise<void>;
  sync(): Promise<void>;
  close(): Promise<void>;
  /** A stream writing the file from its start, flushed to disk before it closes it (and the file). */
  writeStream(): Writable;
}

export interface FileCalls {
  /** `flags` as fs.open takes them: 'r', 'wx', or O_* constants or-ed together. */
  open(path: string, flags: string | number): Promise<OpenFile>;
  stat(path: string): Promise<Stats>;
  lstat(path: string): Promise<Stats>;
  realpath(path: string): Promise<string>;
  readlink(path: string): Promise<string>;
  link(existing: string, target: string): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  unlink(path: string): Promise<void>;
  rm(path: string, options: { force?: boolean; recursive?: boolean }): Promise<void>;
  mkdir(path: string, options?: { recursive?: boolean }): Promise<string | undefined>;
  readdir(path: string): Promise<string[]>;
  statfs(path: string): Promise<StatsFs>;
  readFile(path: string): Promise<Buffer>;
  /** The file's bytes as a stream (for reading a file of any size a piece at a time). */
  readStream(path: string): Readable;
}

const THREAD_POOL: FileCalls = {
  async open(path, flags) {
    const handle = await threadPool.open(path, flags);
    return {
      read: (buffer, offset, length, position) => handle.read(buffer, offset, length, position),
      stat: () => handle.stat(),
      async write(data) {
        for (let done = 0; done < data.byteLength; ) done += (await handle.write(data, done, data.byteLength - done)).bytesWritten;
      },
      sync: () => handle.sync(),
      close: () => handle.close(),
      writeStream: () => handle.createWriteStream({ flush: true }),
    };
  },
  stat: (path) => threadPool.stat(path),
  lstat: (path) => threadPool.lstat(path),
  realpath: (path) => threadPool.realpath(path),
  readlink: (path) => threadPool.readlink(path),
  link: (existing, target) => threadPool.link(existing, target),
  rename: (from, to) => threadPool.rename(from, to),
  unlink: (path) => threadPool.unlink(path),
  rm: (path, options) => threadPool.rm(path, options),
  mkdir: (path, options) => threadPool.mkdir(path, options),
  readdir: (path) => threadPool.readdir(path),
  statfs: (path) => threadPool.statfs(path),
  readFile: (path) => threadPool.readFile(path),
  readStream: (path) => createReadStream(path),
};

/** A synchronous call as a settled promise: its error a rejection, as the thread pool's would be. */
function now<T>(call: () => T): Promise<T> {
  try {
    return Promise.resolve(call());
  } catch (error) {
    return Promise.reject(error);
  }
}

type Callback<T> = (error: NodeJS.ErrnoException | null, value?: T) => void;

/** A synchronous call answering a callback, as fs.createWriteStream's `fs` option calls them. */
function answer<T>(callback: Callback<T>, call: () => T): void {
  let value: T;
  try {
    value = call();
  } catch (error) {
    callback(error as NodeJS.ErrnoException);
    return;
  }
  callback(null, value);
}

/** The calls a file stream makes (fs.createReadStream's and createWriteStream's documented `fs` option), on this thread. */
const BLOCKING_STREAM_CALLS = {
  open: (path: string, flags: number, mode: number, cb: Callback<number>) => answer(cb, () => openSync(path, flags, mode)),
  write: (fd: number, buffer: Uint8Array, offset: number, length: number, position: number | null, cb: (e: NodeJS.ErrnoException | null, n?: number) => void) =>
    answer(cb, () => writeSync(fd, buffer, offset, length, position)),
  writev: (fd: number, buffers: NodeJS.ArrayBufferView[], position: number | null, cb: (e: NodeJS.ErrnoException | null, n?: number) => void) =>
    answer(cb, () => writevSync(fd, buffers, position ?? undefined)),
  fsync: (fd: number, cb: Callback<void>) => answer(cb, () => fsyncSync(fd)),
  close: (fd: number, cb: Callback<void>) => answer(cb, () => closeSync(fd)),
  // A read stream takes the buffer back with the count, as fs.read gives it.
  read: (fd: number, buffer: Uint8Array, offset: number, length: number, position: number | null, cb: (e: NodeJS.ErrnoException | null, n?: number, b?: Uint8Array) => void) =>
    answer<number>((e, n) => cb(e, n, buffer), () => readSync(fd, buffer, offset, length, position)),
};

function blockingFile(fd: number): OpenFile {
  let streamed = false;
  return {
    read: (buffer, offset, length, position) => now(() => ({ bytesRead: readSync(fd, buffer, offset, length, position) })),
    stat: () => now(() => fstatSync(fd)),
    write: (data) =>
      now(() => {
        for (let done = 0; done < data.byteLength; ) done += writeSync(fd, data, done, data.byteLength - done);
      }),
    sync: () => now(() => fsyncSync(fd)),
    close: () => now(() => (streamed ? undefined : closeSync(fd))),
    writeStream() {
      // The stream owns the descriptor from here: it closes it when done or destroyed.
      streamed = true;
      return createWriteStream('', { fd, fs: BLOCKING_STREAM_CALLS, flush: true, start: 0 });
    },
  };
}

const BLOCKING: FileCalls = {
  open: (path, flags) => now(() => blockingFile(openSync(path, flags))),
  stat: (path) => now(() => statSync(path)),
  lstat: (path) => now(() => lstatSync(path)),
  realpath: (path) => now(() => realpathSync.native(path)),
  readlink: (path) => now(() => readlinkSync(path)),
  link: (existing, target) => now(() => linkSync(existing, target)),
  rename: (from, to) => now(() => renameSync(from, to)),
  unlink: (path) => now(() => unlinkSync(path)),
  rm: (path, options) => now(() => rmSync(path, options)),
  mkdir: (path, options) => now(() => mkdirSync(path, options)),
  readdir: (path) => now(() => readdirSync(path)),
  statfs: (path) => now(() => statfsSync(path)),
  readFile: (path) => now(() => readFileSync(path)),
  readStream: (path) => createReadStream(path, { fs: BLOCKING_STREAM_CALLS }),
};

/** The calls of this process (a live binding: modules read it at each call). */
export let files: FileCalls = THREAD_POOL;

/** For a process with no window to keep answering (the CLI): every call runs on the calling thread. */
export function useBlockingFileCalls(): void {
  files = BLOCKING;
}

/** Back to the thread pool (tests that try both ways in one process). */
export function useThreadPoolFileCalls(): void {
  files = THREAD_POOL;
}
