/**
 * The registry of bulk-action kinds. Each kind adds one import and one line to the list; the
 * engine mounts `/bulk_action/{name}/` for every kind listed here and runs its batches. Kinds
 * with endpoints of their own (exports) are run by the engine but listed apart, so that no
 * `/bulk_action/…` route reaches them.
 */
import type { AnyBulkActionKind, BulkKindName } from './kind.ts';
import { deleteKind } from './kinds/delete.ts';
import { editKind } from './kinds/edit.ts';
import { emailKind } from './kinds/email.ts';
import { sequenceSubscriptionKind } from './kinds/sequence-subscription.ts';
import { exportKind } from '../exports/export-kind.ts';

export const bulkActionKinds: readonly AnyBulkActionKind[] = [
  // one line per kind, e.g. `emailKind,`
  editKind,
  deleteKind,
  sequenceSubscriptionKind,
  emailKind,
];

/** Kinds the engine runs whose endpoints live elsewhere (`/export/…`: src/exports/routes.ts). */
const unmountedKinds: readonly AnyBulkActionKind[] = [exportKind];

/** The kind named `name`, or undefined. */
export function findKind(name: string): AnyBulkActionKind | undefined {
  return [...bulkActionKinds, ...unmountedKinds].find((kind) => kind.name === (name as BulkKindName));
}
