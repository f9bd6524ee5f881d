/**
 * Bulk delete (`/bulk_action/delete/`): removes each matched lead with its contacts and everything
 * that hangs off it, through the leads domain's set-based `deleteLeads` (one `lead.deleted` event
 * per lead, with `meta.bulk_action_id`).
 */
import { Type } from 'typebox';
import { fieldError } from '../../errors.ts';
import { LABEL_MAX } from '../../http/input-limits.ts';
import { deleteLeads } from '../../leads/delete-leads.ts';
import type { BulkActionKind } from '../kind.ts';

export interface DeleteParams {
  readonly bulk_object_type: 'lead';
}

export const deleteKind: BulkActionKind<DeleteParams> = {
  name: 'delete',
  idPrefix: 'bulkdelete',
  // deleteLeads builds and inserts the events in SQL with a fixed number of parameters, so no
  // parameter limit caps the batch any more; the cap is measured (bench/delete-batch.ts): per lead,
  // 1,000 and 2,000 cost about the same and 3,000-5,000 more (the statement's materialised objects
  // outgrow work_mem), so it stays at 2,000.
  maxBatchSize: 2000,
  concurrentBatches: true,
  bodyProperties: { bulk_object_type: Type.Optional(Type.Union([Type.String({ maxLength: LABEL_MAX }), Type.Null()])) },

  async validateCreate(_ctx, body) {
    const type = body.bulk_object_type;
    if (type !== undefined && type !== null && type !== 'lead') {
      throw fieldError('bulk_object_type', 'Only "lead" is supported.');
    }
    return { bulk_object_type: 'lead' };
  },

  serialize(params) {
    return { bulk_object_type: params.bulk_object_type };
  },

  async processBatch(trx, action, items) {
    const deleted = await deleteLeads(
      trx,
      action.organizationId,
      items.map((item) => item.leadId),
      { userId: action.createdBy, bulkActionId: action.id },
    );
    return deleted.map((leadId) => ({ leadId, status: 'done' as const, nObjects: 1 }));
  },

  describe() {
    return 'Deleted the matched leads with their contacts.';
  },
};
