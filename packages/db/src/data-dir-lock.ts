// The lock that keeps a second Ferry process off an embedded database's data directory: an OS file
// lock, which the kernel drops the moment its holder dies, however it dies.
import { closeSync, constants, ftruncateSync, openSync, readSync, writeSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { must } from '@ferry/core';

/*
 * Why an OS lock, and why this library. PGlite has no lock of its own, and two processes on one
 * data directory would corrupt it. A PID file (what Ferry had) is only as good as `kill(pid, 0)`:
 * a SIGKILLed holder stays a zombie, "alive", until its parent reaps it, and a PID from another
 * boot or container (PID 1) names some unrelated live process, so a restart was refused for minutes
 * or forever. A lock the kernel releases when the holder's files are closed has neither problem:
 * the kernel closes a dying process's files before it becomes a zombie, and the lock file's content
 * is never trusted (it only tells the refused user which pid holds it).
 *
 * Node 20 has no flock/fcntl in node:fs, so it takes a native addon. Options weighed:
 * - `fs-native-extensions` (Holepunch; releases in 2025–2026): N-API prebuilt binaries shipped
 *   inside the package for linux/darwin/win32 on x64 and arm64, no install script, so a frozen
 *   pnpm install needs no build approval (`onlyBuiltDependencies` stays empty) and no compiler.
 *   On Linux `tryLock` takes an open-file-description lock (F_OFD_SETLK), on macOS flock(2), on
 *   Windows LockFileEx: all released by the kernel when the descriptor closes, and two separate
 *   opens of the file conflict even inside one process. Chosen.
 * - `fs-ext` (flock): nan-based addon built by `node-gyp` in an install script (last release
 *   2024-12): needs a toolchain on every machine and a pnpm build approval, and ABI-specific.
 * - `os-lock`: also an install-time node-gyp build, and classic POSIX F_SETLK locks, which belong
 *   to the process (a second open in the same process succeeds; closing any descriptor of the
 *   file drops the lock).
 * - `proper-lockfile`, `lockfile`: mtime/staleness based, so a dead holder still blocks until a
 *   timeout and a paused live one can be taken over: not kernel-released.
 * - A listening Unix socket in the data directory: the listener dies with the process, but the
 *   socket file stays, and taking over a stale one (connect fails → unlink → bind) races: two
 *   starters can each unlink the other's fresh socket and both "win". Linux abstract-namespace
 *   sockets avoid the file but are per network namespace (two containers sharing a volume would
 *   both win) and Linux-only.
 *
 * The lock file is never deleted: deleting it would let one process lock the old (unlinked) inode
 * while another creates and locks a new one at the same path.
 */
const { tryLock } = createRequire(import.meta.url)('fs-native-extensions') as {
  /** Exclusive non-blocking lock on the whole file: false when another open file holds it. */
  tryLock(fd: number): boolean;
};

export class DataDirLockedError extends Error {
  constructor(
    readonly dataDir: string,
    /** The holder's pid as it wrote it into the lock file (information only; null when unknown). */
    readonly pid: number | null,
  ) {
    super(
      `The data directory ${dataDir} is in use by another Ferry process` +
        (pid === null ? '' : ` (pid ${pid})`) +
        '; two processes on one embedded database would corrupt it. Stop that process or use another directory.',
    );
  }
}

export const LOCK_FILE = 'ferry.lock';

/**
 * How long a refused opener keeps trying. kill(2) returns before its target is gone, and a
 * SIGKILLed process's files are closed only once all its threads have unwound (its main thread
 * already shows as a zombie by then): typically well under a millisecond, so `kill -9` followed at
 * once by a restart would otherwise be refused now and then. A live holder is refused after it.
 */
const DEATH_GRACE_MS = 2_000;
const RETRY_MS = 20;

/**
 * Take the data directory's lock or throw DataDirLockedError; the returned function releases it.
 * A live holder means a running server; a dead one holds nothing, whatever the file says.
 */
export async function lockDataDir(dataDir: string): Promise<() => void> {
  const path = join(dataDir, LOCK_FILE);
  // Read-write without truncating: the content is the holder's pid until we hold the lock.
  const fd = openSync(path, constants.O_RDWR | constants.O_CREAT, 0o600);
  try {
    const deadline = Date.now() + DEATH_GRACE_MS;
    while (!tryLock(fd)) {
      if (Date.now() >= deadline) throw new DataDirLockedError(dataDir, readHolderPid(fd));
      await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
    }
  } catch (e) {
    closeSync(fd);
    throw e;
  }
  try {
    // Write first, then cut what an earlier holder's longer pid left: the first line is never empty.
    const text = `${process.pid}\n`;
    writeSync(fd, text, 0);
    ftruncateSync(fd, Buffer.byteLength(text));
  } catch (e) {
    closeSync(fd);
    throw e;
  }
  let released = false;
  return () => {
    if (released) return;
    released = true;
    try {
      ftruncateSync(fd, 0); // no holder to name any more
    } finally {
      closeSync(fd); // closing the last descriptor of this open file releases the lock
    }
  };
}

function readHolderPid(fd: number): number | null {
  try {
    const buffer = Buffer.alloc(32);
    const n = readSync(fd, buffer, 0, buffer.length, 0);
    const pid = Number(
      must(
        buffer.toString('utf8', 0, n).split('\n')[0],
        "buffer.toString('utf8', 0, n).split('\\n')[0]",
      ).trim(),
    );
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null; // Windows locks are mandatory: the holder's range cannot be read
  }
}
