import { describe, expect, it } from 'vitest';
import { formatSize, oversize, uploading } from './upload';

describe('upload limits', () => {
  it('words sizes as people read them', () => {
    expect(formatSize(900)).toBe('900 bytes');
    expect(formatSize(1)).toBe('1 byte');
    expect(formatSize(512 * 1024)).toBe('512 KB');
    expect(formatSize(50 * 1024 * 1024)).toBe('50 MB');
    expect(formatSize(14.6 * 1024 * 1024)).toBe('14.6 MB');
  });

  it('refuses a file over the limit naming the file, its size and the limit', () => {
    const limit = 1024 * 1024;
    expect(oversize({ name: 'bot.json', size: limit }, limit)).toBeNull();
    expect(oversize({ name: 'bot.json', size: 2 * limit }, limit)).toBe(
      '“bot.json” is 2 MB, larger than the upload limit of 1 MB. Nothing was uploaded: choose a smaller file.',
    );
  });

  it('says what a busy upload form is doing', () => {
    const data = new FormData();
    expect(uploading('Importing')(data)).toBe('Importing…');
    data.set('file', new File(['x'.repeat(2048)], 'bot.json'));
    expect(uploading('Importing')(data)).toBe('Importing bot.json (2 KB)…');
  });
});
