// Webhooks (admins only): the URLs told of Ferry's events, adding and removing them, and the
// latest deliveries with each attempt. A webhook's secret goes to the API once and is never shown.
import { WEBHOOK_EVENTS, type WebhookEvent } from '@ferry/api/webhook-events';
import { error } from '@sveltejs/kit';
import { can } from '$lib/can';
import { actionFailure, loadFailure } from '$lib/server/api-errors';
import { text } from '$lib/server/forms';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals }) => {
  if (!can(locals.user, 'admin')) error(403, 'Only admins manage webhooks.');
  try {
    const [webhooks, deliveries] = await Promise.all([
      locals.api.webhooks.list(),
      locals.api.webhooks.deliveries({ limit: 50 }),
    ]);
    return { webhooks, deliveries, events: WEBHOOK_EVENTS };
  } catch (e) {
    loadFailure(e);
  }
};

export const actions = {
  add: async ({ request, locals }) => {
    const form = await request.formData();
    const url = text(form, 'url');
    const events = form.getAll('events').map(String);
    const secret = text(form, 'secret');
    try {
      const hook = await locals.api.webhooks.add({
        url,
        events: events as WebhookEvent[],
        ...(secret !== '' && { secret }),
      });
      return { form: 'add', message: `Added a webhook for ${hook.events.join(', ')}.` };
    } catch (e) {
      // The secret is not sent back: the admin types it again.
      return actionFailure(e, 'add', { url, events: events.join(',') }, [
        'url',
        'events',
        'secret',
      ]);
    }
  },

  remove: async ({ request, locals }) => {
    const form = await request.formData();
    const webhook = text(form, 'webhook');
    try {
      const removed = await locals.api.webhooks.remove({ webhook });
      return { form: 'remove', message: `Removed the webhook for ${removed.url}.` };
    } catch (e) {
      return actionFailure(e, 'remove', { webhook }, []);
    }
  },
} satisfies Actions;
