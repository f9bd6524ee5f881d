/**
 * The baseline of `npm run bench:load`: a bare Fastify server (no authentication, no validation, no
 * serialisation of contacts and addresses) that answers `GET /lead/:id/` with one SQL query for the
 * lead row (loadLeadObjects' lead query, src/leads/serialize.ts: the lead joined with its status and
 * users, no contacts), over a pg pool of the same size (DB_POOL_SIZE). Run as a child process, like Sluice, so that the two compete with the load
 * generator on equal terms. Environment: DATABASE_URL, PORT, BARE_ORGANIZATION_ID, DB_POOL_SIZE.
 *
 * `GET /replay/` sends, instead, the statements Sluice's GET /lead/{id}/ sent for one lead
 * (BARE_REPLAY: JSON rounds of {name?, text, values}, captured by bench/load.ts; named ones prepared
 * as Sluice prepares them), round after round, the
 * statements of a round at once, as Sluice does: what the database round trips alone cost, without
 * Sluice's HTTP layer, validation and serialisation.
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
app.get<{ Params: { id: string } }>('/lead/:id/', async (request, reply) => {
  const { rows } = await pool.query(LEAD_ROW_SQL, [organizationId, [request.params.id]]);
  if (rows.length === 0) return reply.code(404).send({ error: 'not found' });
  return rows[0];
});
const replay = JSON.parse(process.env.BARE_REPLAY ?? '[]') as { name?: string; text: string; values: unknown[] }[][];
app.get('/replay/', async () => {
  let rows = 0;
  for (const round of replay) {
    const results = await Promise.all(round.map((s) => pool.query({ ...(s.name ? { name: s.name } : {}), text: s.text, values: s.values })));
    rows += results.reduce((n, r) => n + r.rows.length, 0);
  }
  return { rows };
});
app.get('/healthz', async () => ({ ok: true }));
await app.listen({ host: '127.0.0.1', port: Number(process.env.PORT) });
process.on('SIGTERM', () => void app.close().then(() => pool.end()).then(() => process.exit(0)));
