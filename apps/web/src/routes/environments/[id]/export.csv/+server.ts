// The environment's variables as a CSV download (`key,value,secret`). Secret values are masked
// unless an admin asks for them with ?reveal=1 (the API refuses anyone else and audits the reveal).
import { loadFailure } from '$lib/server/api-errors';
import { attachment } from '$lib/admin/download';
import type { RequestHandler } from './$types';

export const GET: RequestHandler = async ({ locals, params, url }) => {
  const reveal = url.searchParams.get('reveal') === '1';
  let exported;
  try {
    exported = await locals.api.environments.exportCsv({ environment: params.id, reveal });
  } catch (e) {
    loadFailure(e);
  }
  return new Response(exported.csv, {
    headers: {
      'content-type': 'text/csv; charset=utf-8',
      'content-disposition': attachment(exported.environment.name, 'csv'),
      'cache-control': 'no-store',
    },
  });
};
