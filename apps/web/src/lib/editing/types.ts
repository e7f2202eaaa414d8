// What an automation page's form actions answer, as the page's dialogs read it.
export interface EditResult {
  form: string;
  /** The success message. */
  done?: string;
  /** A failure not about one field. */
  error?: string;
  errors?: Record<string, string>;
  /** Everything typed, put back into the inputs after a failure. */
  values?: Record<string, string>;
  /** Someone else changed the automation since the page was shown: nothing was changed. */
  stale?: boolean;
  /** What an import kept but reports (e.g. an interaction whose dialog is missing). */
  warnings?: { path: string; message: string }[];
  /** The automatic version that keeps the working copy a restore or an import replaced. */
  kept?: { number: number; name: string };
}
