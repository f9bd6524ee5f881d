/**
 * Bulk action kinds and statuses as the console shows them. LEGAL_MOVES repeats the API's moves
 * (src/bulk-actions/state-machine.ts, API_MOVES) so buttons are enabled only where the PUT is legal:
 *   paused    ← created, loading, processing, resuming
 *   resuming  ← paused (while before resumable_until)
 *   cancelled ← any non-terminal state
 */
export type BulkKind = 'edit' | 'email' | 'sequence_subscription' | 'delete';
export const BULK_KINDS: readonly BulkKind[] = ['edit', 'email', 'sequence_subscription', 'delete'];
export const KIND_LABELS: Record<BulkKind, string> = {
  edit: 'Bulk edit',
  email: 'Bulk email',
  sequence_subscription: 'Sequence subscription',
  delete: 'Bulk delete',
};

export type BulkStatus = 'created' | 'loading' | 'processing' | 'paused' | 'resuming' | 'done' | 'error' | 'cancelled';
export const TERMINAL: readonly string[] = ['done', 'error', 'cancelled'];

export const LEGAL_MOVES: Record<'paused' | 'resuming' | 'cancelled', readonly string[]> = {
  paused: ['created', 'loading', 'processing', 'resuming'],
  resuming: ['paused'],
  cancelled: ['created', 'loading', 'processing', 'resuming', 'paused'],
};

export interface BulkAction {
  id: string;
  status: BulkStatus;
  n_leads: number | null;
  n_leads_processed: number | null;
  n_objects: number | null;
  n_objects_processed: number | null;
  date_created: string;
  date_updated: string;
  date_paused: string | null;
  resumable_until: string | null;
  error_message: string | null;
  send_done_email: boolean;
  [key: string]: unknown;
}

export interface KindedAction extends BulkAction {
  kind: BulkKind;
}

/** Whether the API accepts moving `action` to `to` now. */
export function canMove(action: BulkAction, to: keyof typeof LEGAL_MOVES, now = Date.now()): boolean {
  if (!LEGAL_MOVES[to].includes(action.status)) return false;
  if (to === 'resuming' && action.resumable_until) return Date.parse(action.resumable_until) > now;
  return true;
}

const EDIT_WORDS: Record<string, string> = {
  set_lead_status: 'set the lead status',
  set_custom_field: 'set a lead custom field',
  clear_custom_field: 'clear a lead custom field',
  set_contact_custom_field: 'set a contact custom field',
  clear_contact_custom_field: 'clear a contact custom field',
};

/** The action's parameters in words. `names` resolves ids (statuses, templates, sequences). */
export function describeAction(a: KindedAction, names: Record<string, string>): string {
  const name = (id: unknown) => (typeof id === 'string' ? (names[id] ?? id) : '');
  switch (a.kind) {
    case 'edit': {
      const type = String(a.type ?? '');
      if (type === 'set_lead_status') return `Set status to “${name(a.lead_status_id)}”`;
      const field = a.custom_field_name ? `“${String(a.custom_field_name)}”` : name(a.custom_field_id);
      if (type.startsWith('clear')) return `${EDIT_WORDS[type] ?? type}: ${field}`.replace(/^./, (c) => c.toUpperCase());
      const values = a.custom_field_values ?? a.custom_field_value;
      const op = a.custom_field_operation && a.custom_field_operation !== 'replace' ? ` (${String(a.custom_field_operation)})` : '';
      return `Set ${a.kind === 'edit' && type === 'set_contact_custom_field' ? 'contact field' : 'field'} ${field} to ${JSON.stringify(values)}${op}`;
    }
    case 'email':
      return `Send template “${name(a.template_id)}” from ${String(a.sender ?? a.email_account_id ?? '')} to ${String(a.contact_preference ?? '')} contacts`;
    case 'sequence_subscription': {
      const type = String(a.action_type ?? '');
      return type === 'subscribe'
        ? `Subscribe ${String(a.contact_preference ?? '')} contacts to “${name(a.sequence_id)}” from ${String(a.sender_email ?? '')}`
        : `${type.replace(/_/g, ' ').replace(/^./, (c) => c.toUpperCase())} subscriptions${a.sequence_id ? ` of “${name(a.sequence_id)}”` : ''}`;
    }
    case 'delete':
      return 'Delete the matched leads and their contacts';
  }
}

export function formatDuration(ms: number): string {
  if (ms <= 0) return 'expired';
  const minutes = Math.floor(ms / 60_000);
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  const mins = minutes % 60;
  return [days ? `${days} d` : '', hours ? `${hours} h` : '', `${mins} min`].filter(Boolean).join(' ');
}
