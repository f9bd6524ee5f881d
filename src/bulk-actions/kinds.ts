/**
 * The registry of bulk-action kinds. Each kind adds one import and one line to the list; the
 * engine mounts `/bulk_action/{name}/` for every kind listed here and runs its batches.
 */
import type { AnyBulkActionKind, BulkKindName } from './kind.ts';
import { deleteKind } from './kinds/delete.ts';
import { editKind } from './kinds/edit.ts';
import { emailKind } from './kinds/email.ts';
import { sequenceSubscriptionKind } from './kinds/sequence-subscription.ts';

export const bulkActionKinds: readonly AnyBulkActionKind[] = [
  // one line per kind, e.g. `emailKind,`
  editKind,
  deleteKind,
  sequenceSubscriptionKind,
  emailKind,
];

/** The kind named `name`, or undefined. */
export function findKind(name: string): AnyBulkActionKind | undefined {
  return bulkActionKinds.find((kind) => kind.name === (name as BulkKindName));
}
