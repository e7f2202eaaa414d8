// A Content-Disposition header for a download named after something a user named (untrusted):
// an ASCII fallback with anything unusual replaced, and the exact name in RFC 5987's `filename*`.
export function attachment(name: string, extension: string): string {
  const ascii = name.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^[._]+/, '') || 'download';
  const exact = encodeURIComponent(`${name}.${extension}`).replace(
    /['()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `attachment; filename="${ascii}.${extension}"; filename*=UTF-8''${exact}`;
}
