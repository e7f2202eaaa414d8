// Reading the files commands are given (exports, CSVs, passwords) and writing the ones they make,
// with one clear sentence, not a stack, when that fails.
import { readFileSync } from 'node:fs';
import { stat, writeFile } from 'node:fs/promises';
import { CliError } from './errors.js';

const MB = 1024 * 1024;

export const formatBytes = (bytes: number) =>
  bytes >= MB
    ? `${(bytes / MB).toFixed(1)} MB`
    : bytes >= 1024
      ? `${Math.round(bytes / 1024)} KB`
      : `${bytes} bytes`;

async function readAll(
  stream: NodeJS.ReadableStream,
  maxBytes: number,
  label: string,
): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    size += buf.length;
    if (size > maxBytes)
      throw new CliError(
        'validation',
        `${label} is larger than the limit of ${formatBytes(maxBytes)}.`,
      );
    chunks.push(buf);
  }
  return Buffer.concat(chunks);
}

/** A UTF-8 text file (`-`: standard input), refused before reading when larger than `maxBytes`. */
export async function readTextFile(
  path: string,
  maxBytes: number,
  stdin: NodeJS.ReadableStream,
): Promise<{ text: string; bytes: number }> {
  const buf = await readFileBytes(path, maxBytes, stdin);
  return { text: buf.toString('utf8'), bytes: buf.length };
}

/** A file's bytes (`-`: standard input), refused before reading when larger than `maxBytes`. */
export async function readFileBytes(
  path: string,
  maxBytes: number,
  stdin: NodeJS.ReadableStream,
): Promise<Buffer> {
  if (path === '-') return readAll(stdin, maxBytes, 'Standard input');
  let size: number;
  try {
    const info = await stat(path);
    if (info.isDirectory())
      throw new CliError('validation', `${path} is a directory, not a file.`, { path: 'file' });
    size = info.size;
  } catch (e) {
    if (e instanceof CliError) throw e;
    throw fileError(path, e, 'read');
  }
  if (size > maxBytes)
    throw new CliError(
      'validation',
      `${path} is ${formatBytes(size)}, larger than the limit of ${formatBytes(maxBytes)}.`,
      { path: 'file', details: { file: path, bytes: size, maxBytes } },
    );
  try {
    // At once: the command does nothing else meanwhile, and the promise form costs more CPU.
    return readFileSync(path);
  } catch (e) {
    throw fileError(path, e, 'read');
  }
}

export async function writeTextFile(path: string, text: string): Promise<void> {
  try {
    await writeFile(path, text);
  } catch (e) {
    throw fileError(path, e, 'write');
  }
}

export function fileError(path: string, e: unknown, verb: 'read' | 'write'): CliError {
  const code = (e as NodeJS.ErrnoException).code;
  const reason =
    code === 'ENOENT'
      ? verb === 'read'
        ? 'no such file'
        : 'its folder does not exist'
      : code === 'EACCES' || code === 'EPERM'
        ? 'permission denied'
        : code === 'EISDIR'
          ? 'it is a directory'
          : (e as Error).message;
  return new CliError('validation', `Cannot ${verb} ${path}: ${reason}.`, {
    path: 'file',
    details: { file: path },
  });
}
