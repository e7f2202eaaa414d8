// The audit log, newest first: filters come from the URL (a GET form), so a filtered view is a link
// to share; pages follow the API's cursor. A filter the API refuses shows at its field. Details
// name versions, releases, automations and dialogs with links (the API's `refs`), not raw ids.
import { apiFailure, loadFailure } from '$lib/server/api-errors';
import { auditCursor, auditDetails, auditFilters, AUDIT_FILTERS } from '$lib/admin/audit';
import type { PageServerLoad } from './$types';

const PAGE_SIZE = 50;

export const load: PageServerLoad = async ({ locals, url }) => {
  const filters = auditFilters(url.searchParams);
  const cursor = auditCursor(url.searchParams);
  const { limit, ...match } = filters;
  try {
    const page = await locals.api.audit.list({
      ...match,
      cursor,
      limit: limit === undefined ? PAGE_SIZE : Number(limit),
    });
    return {
      filters,
      paged: cursor !== undefined,
      nextCursor: page.nextCursor,
      entries: page.entries.map((e) => ({
        seq: e.seq,
        at: e.at,
        actor: e.actor,
        action: e.action,
        automationId: e.automationId,
        automationName: e.automationName,
        details: auditDetails(e, page.refs),
      })),
      errors: {} as Record<string, string>,
    };
  } catch (e) {
    const failure = apiFailure(e);
    const field = failure?.field?.split('.')[0];
    if (failure?.code !== 'VALIDATION' || !field) loadFailure(e);
    // A filter's error shows at its field; the page size's and the cursor's above the form.
    const known = (AUDIT_FILTERS as readonly string[]).includes(field) && field !== 'limit';
    return {
      filters,
      paged: false,
      nextCursor: null,
      entries: [],
      errors: known ? { [field]: failure.message } : { form: failure.message },
    };
  }
};
