// The instance policy (DESIGN.md rules 12 and 14): whether a release's creator may accept it, how
// many approvals a release needs before an upgrade, and how many automatic versions each
// automation keeps. Every role reads it (the release pages explain refusals with it); only admins
// change it, and the API checks that again.
import { REQUIRED_APPROVALS_MAX } from '@ferry/core';
import { fail } from '@sveltejs/kit';
import { actionFailure, loadFailure, type FormFailure } from '$lib/server/api-errors';
import { wholeNumber } from '$lib/policy';
import { checkbox, text } from '$lib/server/forms';
import type { Actions, PageServerLoad } from './$types';

/** The largest retention the API accepts (admin.setPolicy). */
const KEEP_MAX = 100_000;

export const load: PageServerLoad = async ({ locals }) => {
  try {
    return { policy: await locals.api.admin.getPolicy(), maxApprovals: REQUIRED_APPROVALS_MAX };
  } catch (e) {
    loadFailure(e);
  }
};

export const actions = {
  set: async ({ request, locals }) => {
    const form = await request.formData();
    const values = {
      acceptorMustDiffer: checkbox(form, 'acceptorMustDiffer'),
      requiredApprovals: text(form, 'requiredApprovals'),
      keepAutomaticVersions: text(form, 'keepAutomaticVersions'),
    };
    const errors: Record<string, string> = {};
    const approvals = wholeNumber(
      values.requiredApprovals,
      0,
      REQUIRED_APPROVALS_MAX,
      'Approvals required',
    );
    if (!approvals.ok) errors.requiredApprovals = approvals.message;
    // Blank keeps every automatic version.
    const keepAll = values.keepAutomaticVersions.trim() === '';
    const keep = keepAll
      ? null
      : wholeNumber(values.keepAutomaticVersions, 1, KEEP_MAX, 'Automatic versions kept');
    if (keep && !keep.ok) errors.keepAutomaticVersions = keep.message;
    if (!approvals.ok || (keep && !keep.ok))
      return fail(400, { form: 'set', values, errors } satisfies FormFailure as FormFailure);
    try {
      const policy = await locals.api.admin.setPolicy({
        acceptorMustDifferFromCreator: values.acceptorMustDiffer === 'on',
        requiredApprovals: approvals.value,
        keepAutomaticVersions: keep ? keep.value : null,
      });
      return { form: 'set', saved: policy };
    } catch (e) {
      return actionFailure(e, 'set', values, ['requiredApprovals', 'keepAutomaticVersions']);
    }
  },
} satisfies Actions;
