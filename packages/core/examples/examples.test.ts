// The README's examples are real programs; running them here keeps them true.
import { readdirSync } from 'node:fs';
import { describe, expect, it, vi } from 'vitest';

describe('README examples', () => {
  const files = readdirSync(new URL('.', import.meta.url)).filter((f) => f.endsWith('.mjs'));
  it.each(files)('%s runs to the end', async (file) => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    await import(/* @vite-ignore */ new URL(file, import.meta.url).href);
    expect(log).toHaveBeenCalled();
    log.mockRestore();
  });
});
