// Words (not only colours) for how a node changed in a diff flow view.
import type { FlowStatus } from './graph';

export const STATUS_LABEL: Record<FlowStatus, string> = {
  added: 'Added',
  removed: 'Removed',
  changed: 'Changed',
  moved: 'Moved',
  unchanged: 'Unchanged',
};
