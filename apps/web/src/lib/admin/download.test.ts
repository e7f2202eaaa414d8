import { describe, expect, it } from 'vitest';
import { attachment } from './download';

describe('attachment', () => {
  it('names a plain download as given', () => {
    expect(attachment('Staging', 'csv')).toBe(
      `attachment; filename="Staging.csv"; filename*=UTF-8''Staging.csv`,
    );
  });

  it('keeps quotes, slashes and line breaks out of the header, and the exact name encoded', () => {
    const header = attachment('a"b/../c\r\nX: y (é)', 'csv');
    expect(header).not.toMatch(/[\r\n]/);
    expect(header).toContain('filename="a_b_.._c_X_y_.csv"');
    expect(header).toContain(`filename*=UTF-8''a%22b%2F..%2Fc%0D%0AX%3A%20y%20%28%C3%A9%29.csv`);
    expect(attachment('...', 'csv')).toContain('filename="download.csv"');
  });
});
