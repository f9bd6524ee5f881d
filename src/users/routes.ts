/**
 * `/me/`, `/user/`, `/user/{id}/`: the people of the caller's organization.
 */
import { Type } from 'typebox';
import type { Db } from '../db/database.ts';
import { notFound } from '../errors.ts';
import { FieldsQuery, IdParams } from '../http/common-schemas.ts';
import { envelope, ListQuery, pageOf } from '../http/pagination.ts';
import type { App } from '../http/server.ts';
import { formatTimestamp } from '../time.ts';
import { accountResponse } from '../connected-accounts/serialize.ts';
import { MEMBER_PERMISSIONS, MEMBERSHIP_SETTINGS, organizationResponse } from '../orgs/organization-response.ts';

type UserRow = {
  id: string;
  organization_id: string;
  email: string;
  first_name: string | null;
  last_name: string | null;
  date_created: Date;
  date_updated: Date;
};

/** A user as Close's `/user/{id}/` shows it. */
export function userResponse(row: UserRow): Record<string, unknown> {
  return {
    id: row.id,
    first_name: row.first_name,
    last_name: row.last_name,
    email: row.email,
    image: null,
    organizations: [row.organization_id],
    date_created: formatTimestamp(row.date_created),
    date_updated: formatTimestamp(row.date_updated),
  };
}

async function findUser(db: Db, organizationId: string, id: string): Promise<UserRow | undefined> {
  return db
    .selectFrom('users')
    .selectAll()
    .where('organization_id', '=', organizationId)
    .where('id', '=', id)
    .executeTakeFirst();
}

export async function registerUserRoutes(app: App): Promise<void> {
  app.get('/me/', { schema: { tags: ['users'], summary: 'The calling user', querystring: FieldsQuery } }, async (request) => {
    const { db, organizationId, userId } = request.ctx;
    const user = await findUser(db, organizationId, userId);
    if (!user) throw notFound('user');
    const organization = await organizationResponse(db, organizationId);
    // Close embeds the caller's connected accounts here (scripts pick a sender from them).
    const accounts = await db
      .selectFrom('connected_accounts')
      .selectAll()
      .where('organization_id', '=', organizationId)
      .where('user_id', '=', user.id)
      .orderBy('date_created')
      .orderBy('id')
      .execute();
    return {
      ...userResponse(user),
      last_used_timezone: null,
      email_accounts: accounts.map(accountResponse),
      phone_numbers: [],
      memberships: [
        {
          id: `memb_${user.id.slice(5)}`,
          organization_id: organizationId,
          user_id: user.id,
          role_id: 'admin',
          permissions_granted: [...MEMBER_PERMISSIONS],
          ...MEMBERSHIP_SETTINGS,
        },
      ],
      organizations: [organization],
    };
  });

  app.get(
    '/user/',
    {
      schema: {
        tags: ['users'],
        summary: 'List the users of the organization',
        querystring: Type.Intersect([
          ListQuery,
          Type.Object({ _order_by: Type.Optional(Type.Union([Type.Literal('last_name,first_name'), Type.Literal('first_name,last_name')])) }),
        ]),
      },
    },
    async (request) => {
      const { db, organizationId } = request.ctx;
      const page = pageOf(request.query);
      const order = request.query._order_by === 'first_name,last_name' ? (['first_name', 'last_name'] as const) : (['last_name', 'first_name'] as const);
      const rows = await db
        .selectFrom('users')
        .selectAll()
        .where('organization_id', '=', organizationId)
        .orderBy(order[0])
        .orderBy(order[1])
        .orderBy('id')
        .offset(page.skip)
        .limit(page.limit + 1)
        .execute();
      return envelope(rows.map(userResponse), page);
    },
  );

  app.get(
    '/user/:id/',
    { schema: { tags: ['users'], summary: 'Get a user', params: IdParams, querystring: FieldsQuery } },
    async (request) => {
      const user = await findUser(request.ctx.db, request.ctx.organizationId, request.params.id);
      if (!user) throw notFound('user');
      return userResponse(user);
    },
  );
}
