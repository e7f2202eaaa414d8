// How a diff reads on a page: changes grouped per dialog (its interactions under it), then
// settings, integrations, other sections and the export order; values as plain text.
import type { Change, ChangeOp, JsonValue } from '@ferry/core';

export interface DialogGroup {
  id: string;
  /** The dialog's own change (added, removed, changed, moved), if it has one. */
  change: Change | undefined;
  title: string;
  interactions: Change[];
}

export interface GroupedDiff {
  settings: Change[];
  dialogs: DialogGroup[];
  integrations: Change[];
  sections: Change[];
  order: Change[];
}

/** Group changes for display, keeping the order the diff gave them in. */
export function groupChanges(
  changes: readonly Change[],
  dialogNames: Readonly<Record<string, string>> = {},
): GroupedDiff {
  const out: GroupedDiff = { settings: [], dialogs: [], integrations: [], sections: [], order: [] };
  const dialogs = new Map<string, DialogGroup>();
  const dialog = (id: string): DialogGroup => {
    let g = dialogs.get(id);
    if (!g) {
      g = { id, change: undefined, title: dialogNames[id] ?? `Dialog ${id}`, interactions: [] };
      dialogs.set(id, g);
      out.dialogs.push(g);
    }
    return g;
  };
  for (const c of changes) {
    switch (c.kind) {
      case 'settings':
        out.settings.push(c);
        break;
      case 'dialog': {
        const g = dialog(String(c.id));
        g.change = c;
        if (c.name !== null) g.title = c.name;
        break;
      }
      case 'interaction':
        dialog(c.dialogId ?? '(no dialog)').interactions.push(c);
        break;
      case 'integration':
        out.integrations.push(c);
        break;
      case 'section':
        out.sections.push(c);
        break;
      case 'order':
        out.order.push(c);
        break;
    }
  }
  return out;
}

export const OP_LABEL: Record<ChangeOp, string> = {
  added: 'Added',
  removed: 'Removed',
  changed: 'Changed',
  moved: 'Moved',
};

export interface ShownValue {
  /** The value as text: strings as they are, anything else as JSON. */
  text: string;
  /** Long or multi-line: show in a <pre>. */
  block: boolean;
  absent: boolean;
}

const LONG = 80;

/** An untrusted JSON value as text (the page interpolates it, so it is always escaped). */
export function showValue(value: JsonValue | undefined): ShownValue {
  if (value === undefined) return { text: '(absent)', block: false, absent: true };
  const text = typeof value === 'string' ? value : JSON.stringify(value, null, 2);
  return { text, block: text.length > LONG || text.includes('\n'), absent: false };
}

/** A field's JSON pointer as people read it; the entity itself is "(whole value)". */
export const showPath = (path: string): string => (path === '' ? '(whole value)' : path);
