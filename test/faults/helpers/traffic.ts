/**
 * API traffic alongside a fault: one loop per API process creating a lead, reading it back,
 * updating it and listing leads, as fast as answers come. Every answer is kept with its time, so a
 * test can tell requests during an outage from those after it, and every lead whose creation was
 * answered 200 is remembered, to be looked for afterwards.
 */
import assert from 'node:assert/strict';
import { request } from './processes.ts';

export interface Answer {
  /** When the request was sent and when its answer (or failure) came. */
  readonly sent: number;
  readonly at: number;
  readonly op: string;
  /** 0: no HTTP answer (connection refused or reset). */
  readonly status: number;
}

export interface TrafficResult {
  readonly total: number;
  readonly answers: Answer[];
  /** Answers that are not 2xx, as `op status`. */
  readonly failures: string[];
  /** Leads whose POST was answered 200, with the description their last 200 PUT gave them. */
  readonly written: Map<string, string | null>;
  /** Asserts, through `baseUrl`, that every write answered 200 is there. */
  verify(baseUrl?: string): Promise<void>;
}

/** Starts the loops; `stop` ends them and returns what they saw. */
export function startTraffic(urls: string[], key: string): { stop(): Promise<TrafficResult>; answers: Answer[] } {
  const answers: Answer[] = [];
  const written = new Map<string, string | null>();
  let running = true;
  const note = (op: string, status: number, sent: number) => answers.push({ sent, at: Date.now(), op, status });
  const loop = async (url: string, n: number) => {
    for (let i = 0; running; i++) {
      let sent = Date.now();
      const created = await request(url, key, 'POST', '/api/v1/lead/', { name: `Traffic ${n}-${i}`, contacts: [{ name: `Tess ${n}-${i}` }] });
      note('create', created.status, sent);
      if (created.status === 200) written.set(created.body.id, null);
      else {
        // An outage: do not spin; try again shortly.
        await new Promise((resolve) => setTimeout(resolve, 50));
        continue;
      }
      const id = created.body.id as string;
      sent = Date.now();
      const read = await request(url, key, 'GET', `/api/v1/lead/${id}/`);
      note('read', read.status, sent);
      const description = `updated ${i}`;
      sent = Date.now();
      const updated = await request(url, key, 'PUT', `/api/v1/lead/${id}/`, { description });
      note('update', updated.status, sent);
      if (updated.status === 200) written.set(id, description);
      sent = Date.now();
      const list = await request(url, key, 'GET', '/api/v1/lead/?_limit=5');
      note('list', list.status, sent);
    }
  };
  const loops = urls.map((url, n) => loop(url, n));
  return {
    answers,
    async stop() {
      running = false;
      await Promise.all(loops);
      return {
        total: answers.length,
        answers,
        failures: answers.filter((a) => a.status < 200 || a.status > 299).map((a) => `${a.op} ${a.status}`),
        written,
        async verify(baseUrl = urls[0]!) {
          for (const [id, description] of written) {
            const res = await request(baseUrl, key, 'GET', `/api/v1/lead/${id}/`);
            assert.equal(res.status, 200, `${id} was answered 200 and must be there`);
            if (description !== null) assert.equal(res.body.description, description, `${id} keeps its acknowledged update`);
          }
        },
      };
    },
  };
}
