import { describe, expect, it } from 'vitest';
import { downloadFailure, exportFileName, exportHref, fileNameOf, sizeOf } from './export-download';

describe('exportHref', () => {
  it('names the working copy by the automation, a version by its number too', () => {
    expect(exportHref('0190-ab')).toBe('/api/export?automation=0190-ab');
    expect(exportHref('Support (Dev)', 3)).toBe(
      '/api/export?automation=Support+%28Dev%29&version=3',
    );
  });
});

describe('exportFileName', () => {
  it('names the file as the server does: characters file systems refuse replaced', () => {
    expect(exportFileName('Support (Dev)')).toBe('Support (Dev).json');
    expect(exportFileName('a/b\\c:<x>|"?*\u0007', 3)).toBe('a_b_c__x______ version 3.json');
  });
});

describe('fileNameOf', () => {
  it('reads the exact name first, then the ASCII one, then the fallback', () => {
    const header = `attachment; filename="S_ren version 3.json"; filename*=UTF-8''S%C3%B8ren%20%28Dev%29%20version%203.json`;
    expect(fileNameOf(header, 'x.json')).toBe('Søren (Dev) version 3.json');
    expect(fileNameOf('attachment; filename="Plain.json"', 'x.json')).toBe('Plain.json');
    expect(fileNameOf(`attachment; filename="A.json"; filename*=UTF-8''%E0%A4`, 'x.json')).toBe(
      'A.json',
    );
    expect(fileNameOf(null, 'x.json')).toBe('x.json');
    expect(fileNameOf('attachment', 'x.json')).toBe('x.json');
  });
});

describe('sizeOf', () => {
  it('says bytes, kilobytes or megabytes', () => {
    expect(sizeOf(1)).toBe('1 byte');
    expect(sizeOf(812)).toBe('812 bytes');
    expect(sizeOf(3482)).toBe('3.4 KB');
    expect(sizeOf(15_309_619)).toBe('14.6 MB');
  });
});

describe('downloadFailure', () => {
  it('says the server’s sentence for a refusal, and what to do for the rest', () => {
    const gone = { error: { message: 'There is no version #7.', code: 'NOT_FOUND' } };
    expect(downloadFailure(404, gone)).toBe('There is no version #7.');
    expect(downloadFailure(401, { error: { message: 'Sign in first.' } })).toMatch(
      /^Your session has ended\. Sign in again/,
    );
    expect(downloadFailure(503, { error: { message: 'x', requestId: 'r-1' } })).toBe(
      'The server cannot reach its database right now. Try again in a moment (request r-1).',
    );
    expect(downloadFailure(500, null)).toBe(
      'The server failed to build the export. Try again later.',
    );
    expect(downloadFailure(418, 'not json')).toBe('The download failed (HTTP 418).');
  });
});
