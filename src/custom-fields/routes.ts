/**
 * `/custom_field/{lead|contact}/` and the legacy plural `/custom_fields/{lead|contact}/`: list,
 * create, get, update and delete custom field definitions. Deleting a field removes its values from
 * every object, and changing its type, choices or multiplicity converts them (convert-values.ts),
 * in the same transaction. Each change records a `custom_field.{lead|contact}` event.
 */
import { notFound } from '../errors.ts';
import { recordEvents } from '../events/record-event.ts';
import { FieldsQuery } from '../http/common-schemas.ts';
import type { RequestContext } from '../http/context.ts';
import { envelope, ListQuery, pageOf } from '../http/pagination.ts';
import type { App } from '../http/server.ts';
import { newId } from '../ids.ts';
import { convertStoredValues, valuesNeedConversion } from './convert-values.ts';
import { checkDefinition } from './field-definition.ts';
import {
  checkNameFree,
  customFieldResponse,
  deleteField,
  findField,
  insertField,
  listFields,
  lockOrganization,
  toDef,
  updateField,
  type ObjectType,
} from './field-repository.ts';
import { CreateCustomFieldBody, CustomFieldParams, UpdateCustomFieldBody } from './schemas.ts';
import type { CustomFieldType } from './values.ts';

function actor(ctx: RequestContext) {
  return { organizationId: ctx.organizationId, userId: ctx.userId, apiKeyId: ctx.apiKeyId, requestId: ctx.requestId, at: ctx.clock.now() };
}

function registerFor(app: App, base: string, objectType: ObjectType, legacy: boolean): void {
  const tags = ['custom fields'];
  const what = `${objectType} custom field`;
  const eventType = `custom_field.${objectType}`;
  const doc = (summary: string) => ({ tags, summary: legacy ? `${summary} (legacy path)` : summary, deprecated: legacy || undefined });

  app.get(`${base}/`, { schema: { ...doc(`List ${objectType} custom fields`), querystring: ListQuery } }, async (request) => {
    const page = pageOf(request.query);
    const rows = await listFields(request.ctx.db, request.ctx.organizationId, objectType, page.skip, page.limit + 1);
    return envelope(rows.map(customFieldResponse), page);
  });

  app.post(`${base}/`, { schema: { ...doc(`Create a ${what}`), body: CreateCustomFieldBody } }, async (request) => {
    const ctx = request.ctx;
    const body = request.body;
    const definition = checkDefinition({
      name: body.name,
      description: body.description ?? null,
      type: body.type as CustomFieldType,
      choices: body.choices ?? null,
      accepts_multiple_values: body.accepts_multiple_values ?? false,
      editable_with_roles: body.editable_with_roles ?? [],
    });
    return ctx.db.transaction().execute(async (trx) => {
      await lockOrganization(trx, ctx.organizationId);
      await checkNameFree(trx, ctx.organizationId, objectType, definition.name);
      const row = await insertField(trx, { id: newId('cf'), organizationId: ctx.organizationId, objectType, userId: ctx.userId, at: ctx.clock.now(), definition });
      const response = customFieldResponse(row);
      await recordEvents(trx, [{ ...actor(ctx), objectType: eventType, objectId: row.id, action: 'created', data: response }]);
      return response;
    });
  });

  app.get(`${base}/:id/`, { schema: { ...doc(`Get a ${what}`), params: CustomFieldParams, querystring: FieldsQuery } }, async (request) => {
    const row = await findField(request.ctx.db, request.ctx.organizationId, objectType, request.params.id);
    if (!row) throw notFound(what);
    return customFieldResponse(row);
  });

  app.put(`${base}/:id/`, { schema: { ...doc(`Update a ${what}`), params: CustomFieldParams, body: UpdateCustomFieldBody } }, async (request) => {
    const ctx = request.ctx;
    const body = request.body;
    return ctx.db.transaction().execute(async (trx) => {
      await lockOrganization(trx, ctx.organizationId);
      const before = await findField(trx, ctx.organizationId, objectType, request.params.id, true);
      if (!before) throw notFound(what);
      const type = (body.type ?? before.type) as CustomFieldType;
      // Leaving type choices drops the old choices unless the client sent some (which is then a 400).
      const keptChoices = type === 'choices' ? (before.choices ?? null) : null;
      const definition = checkDefinition({
        name: body.name ?? before.name,
        description: body.description === undefined ? before.description : body.description,
        type,
        choices: body.choices === undefined ? keptChoices : body.choices,
        accepts_multiple_values: body.accepts_multiple_values ?? (type === before.type ? before.accepts_multiple_values : false),
        editable_with_roles: body.editable_with_roles ?? before.editable_with_roles,
      });
      if (definition.name.toLowerCase() !== before.name.toLowerCase()) {
        await checkNameFree(trx, ctx.organizationId, objectType, definition.name, before.id);
      }
      const after = await updateField(trx, before, definition, ctx.userId, ctx.clock.now());
      if (valuesNeedConversion(toDef(before), toDef(after))) await convertStoredValues(trx, before, toDef(after));
      const previous = customFieldResponse(before);
      const response = customFieldResponse(after);
      const changed = ['name', 'description', 'type', 'choices', 'accepts_multiple_values', 'editable_with_roles'].filter(
        (key) => JSON.stringify(previous[key]) !== JSON.stringify(response[key]),
      );
      await recordEvents(trx, [
        {
          ...actor(ctx),
          objectType: eventType,
          objectId: after.id,
          action: 'updated',
          changedFields: changed,
          data: response,
          previousData: Object.fromEntries(changed.map((key) => [key, previous[key]])),
        },
      ]);
      return response;
    });
  });

  app.delete(`${base}/:id/`, { schema: { ...doc(`Delete a ${what} and its values`), params: CustomFieldParams } }, async (request) => {
    const ctx = request.ctx;
    await ctx.db.transaction().execute(async (trx) => {
      const row = await findField(trx, ctx.organizationId, objectType, request.params.id, true);
      if (!row) throw notFound(what);
      await deleteField(trx, row);
      await recordEvents(trx, [{ ...actor(ctx), objectType: eventType, objectId: row.id, action: 'deleted', previousData: customFieldResponse(row) }]);
    });
    return {};
  });
}

export async function registerCustomFieldRoutes(app: App): Promise<void> {
  for (const objectType of ['lead', 'contact'] as const) {
    registerFor(app, `/custom_field/${objectType}`, objectType, false);
    registerFor(app, `/custom_fields/${objectType}`, objectType, true);
  }
}
