import { describe, expect, it } from 'vitest';
import { bodySizeLimit, bodyTooLarge, uploadedForm, uploadLimits } from './upload-limit';

describe('the upload limit', () => {
  it('reads BODY_SIZE_LIMIT as adapter-node does', () => {
    expect(bodySizeLimit('52428800')).toBe(52428800);
    expect(bodySizeLimit('512K')).toBe(512 * 1024);
    expect(bodySizeLimit('10m')).toBe(10 * 1024 * 1024);
    expect(bodySizeLimit('Infinity')).toBe(Infinity);
    expect(bodySizeLimit(undefined)).toBe(512 * 1024);
  });

  it('caps a CB export at the largest export an import takes', () => {
    expect(uploadLimits('1M')).toEqual({ export: 1024 * 1024, file: 1024 * 1024 });
    expect(uploadLimits('200M')).toEqual({ export: 50 * 1024 * 1024, file: 200 * 1024 * 1024 });
  });

  it('tells a body refused for its size from other failures', async () => {
    expect(bodyTooLarge(Object.assign(new Error('Payload Too Large'), { status: 413 }))).toBe(true);
    expect(bodyTooLarge(new TypeError('x', { cause: { status: 413 } }))).toBe(true);
    expect(bodyTooLarge(new Error('other'))).toBe(false);
    // A body stream the adapter errors with its 413, read as a form: said in words.
    const body = new ReadableStream({
      start: (c) => c.error(Object.assign(new Error('Payload Too Large'), { status: 413 })),
    });
    const request = new Request('http://ferry/automations?/import', {
      method: 'POST',
      body,
      headers: { 'content-type': 'multipart/form-data; boundary=x' },
      duplex: 'half',
    } as RequestInit);
    expect(await uploadedForm(request, '1M')).toEqual({
      tooLarge:
        'The file is larger than the upload limit of 1 MB. Nothing was uploaded: choose a smaller file.',
    });
  });
});
