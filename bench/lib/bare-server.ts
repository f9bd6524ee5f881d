/**
 * The baseline of `npm run bench:load`: a bare Fastify server (no authentication, no validation, no
 * rate limits, hooks or logging) whose `GET /lead/:id/` runs the lead's part of the one statement
 * Sluice's GET /lead/{id}/ runs (BARE_LEAD_STATEMENT: {name, text, values, idIndexes}, from
 * bare-server-env.ts; prepared, the request's id at idIndexes) and returns its JSON, over a pg pool
 * of the same size (DB_POOL_SIZE). `GET /row/lead/:id/` runs a lead-row query only (the lead with
 * its status and users, no contacts or addresses), for reference. Run as a child process, like
 * Sluice, so that the two compete with the load generator on equal terms. Environment:
 * DATABASE_URL, PORT, BARE_ORGANIZATION_ID, BARE_LEAD_STATEMENT, DB_POOL_SIZE.
 */
import Fastify from 'fastify';
import pg from 'pg';

const LEAD_ROW_SQL = `SELECT l.*, s.label AS status_label, cu.first_name AS cu_first, cu.last_name AS cu_last,
    uu.first_name AS uu_first, uu.last_name AS uu_last
  FROM leads AS l
  LEFT JOIN lead_statuses AS s ON s.id = l.status_id AND s.organization_id = l.organization_id
  LEFT JOIN users AS cu ON cu.id = l.created_by AND cu.organization_id = l.organization_id
  LEFT JOIN users AS uu ON uu.id = l.updated_by AND uu.organization_id = l.organization_id
  WHERE l.organization_id = $1 AND l.id = ANY($2::text[])`;

const organizationId = process.env.BARE_ORGANIZATION_ID!;
const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: Number(process.env.DB_POOL_SIZE ?? 10) });
const app = Fastify();
const leadStatement = JSON.parse(process.env.BARE_LEAD_STATEMENT!) as { name: string; text: string; values: unknown[]; idIndexes: number[] };
app.get<{ Params: { id: string } }>('/lead/:id/', async (request, reply) => {
  const values = [...leadStatement.values];
  for (const i of leadStatement.idIndexes) values[i] = request.params.id;
  const { rows } = await pool.query<{ obj: unknown }>({ name: leadStatement.name, text: leadStatement.text, values });
  if (rows.length === 0) return reply.code(404).send({ error: 'not found' });
  return rows[0]!.obj;
});
app.get<{ Params: { id: string } }>('/row/lead/:id/', async (request, reply) => {
  const { rows } = await pool.query(LEAD_ROW_SQL, [organizationId, [request.params.id]]);
  if (rows.length === 0) return reply.code(404).send({ error: 'not found' });
  return rows[0];
});
app.get('/healthz', async () => ({ ok: true }));
await app.listen({ host: '127.0.0.1', port: Number(process.env.PORT) });
process.on('SIGTERM', () => void app.close().then(() => pool.end()).then(() => process.exit(0)));
