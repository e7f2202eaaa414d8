// The events a webhook can subscribe to. No imports: the CLI and the web UI take the list from here
// too (`@ferry/api/webhook-events`).
export const WEBHOOK_EVENTS = [
  'version.saved',
  'release.created',
  'release.approved',
  'release.rejected',
  'release.upgraded',
  'release.rolled_back',
  /** A scheduled upgrade found its checks failing at its time and did not run (never forced). */
  'release.upgrade_blocked',
] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];
