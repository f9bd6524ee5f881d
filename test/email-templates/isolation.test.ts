/**
 * Templates have no file system: a marker file planted in the working directory and in DATA_DIR is
 * never read, whatever form of include/render/layout a template uses, whether it is saved through
 * the API (refused) or planted straight in the database and then rendered (refused at render).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { newId } from '../../src/ids.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { insertLead } from '../email/helpers/fixtures.ts';

const SECRET = `marker-${randomBytes(12).toString('hex')}`;

describe('templates cannot read files', () => {
  let t: TestApp;
  let dataDir: string;
  let cwdMarker: string;
  let dataMarker: string;
  let leadId: string;
  let forms: string[];

  before(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-isolation-'));
    cwdMarker = path.join(process.cwd(), `isolation-marker-${process.pid}.liquid`);
    dataMarker = path.join(dataDir, 'marker.liquid');
    fs.writeFileSync(cwdMarker, SECRET);
    fs.writeFileSync(dataMarker, SECRET);
    t = await createTestApp({ env: { DATA_DIR: dataDir } });
    leadId = (await insertLead(t.db, t.orgA.organization_id, 'Acme', [{ name: 'Ann Lee', emails: ['ann@acme.example'] }])).leadId;
    const names = [path.basename(cwdMarker), cwdMarker, dataMarker, path.relative(process.cwd(), dataMarker), `../${path.basename(process.cwd())}/${path.basename(cwdMarker)}`, 'package.json'];
    forms = names.flatMap((name) => [
      `{% include "${name}" %}`,
      `{% include '${name}' %}`,
      `{%- include "${name}" -%}`,
      `{% include "${name}" with lead %}`,
      `{% render "${name}" %}`,
      `{% render '${name}', x: 1 %}`,
      `{% layout "${name}" %}body`,
      `{% layout "${name}" %}{% block b %}x{% endblock %}`,
      `{% liquid\ninclude "${name}"\n%}`,
      `{% liquid render "${name}" %}`,
      `{% if true %}{% include "${name}" %}{% endif %}`,
      `{% for i in (1..2) %}{% render "${name}" %}{% endfor %}`,
    ]);
    forms.push('{% assign f = "package.json" %}{% include f %}', '{% include {{ lead.name }} %}', '{% render lead.name %}');
  });

  after(() => {
    fs.rmSync(cwdMarker, { force: true });
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  test('every form of include, render and layout is a 400 when saved, in the body or the subject', async () => {
    for (const form of forms) {
      for (const field of ['body', 'subject'] as const) {
        const body = { name: 'Sneaky', subject: 'Hi', body: '<p>Hi</p>', [field]: form };
        const res = await t.call('POST', '/api/v1/email_template/', { body });
        assert.equal(res.status, 400, `${field}: ${form}: ${res.text}`);
        assert.match(res.body['field-errors'][field], /not supported|Invalid template syntax/, form);
        assert.doesNotMatch(res.text, new RegExp(SECRET));
      }
    }
    assert.equal((await t.db.selectFrom('email_templates').select('id').execute()).length, 0);
    const ok = await t.call('POST', '/api/v1/email_template/', { body: { name: 'Fine', subject: 'Hi {{ contact.first_name }}', body: '<p>{{ lead.name }}</p>' } });
    assert.equal(ok.status, 200, ok.text);
    const update = await t.call('PUT', `/api/v1/email_template/${ok.body.id}/`, { body: { body: forms[0] } });
    assert.equal(update.status, 400);
    assert.equal((await t.call('GET', `/api/v1/email_template/${ok.body.id}/`)).body.body, '<p>{{ lead.name }}</p>');
  });

  test('a template planted in the database renders nothing from disk', async () => {
    for (const form of forms) {
      const id = newId('tmpl');
      await t.db
        .insertInto('email_templates')
        .values({ id, organization_id: t.orgA.organization_id, name: 'Planted', subject: 'Hi', body: `before ${form} after`, created_by: t.orgA.user_id, updated_by: t.orgA.user_id })
        .execute();
      const res = await t.call('GET', `/api/v1/email_template/${id}/render/?lead_id=${leadId}`);
      assert.equal(res.status, 400, `${form}: ${res.text}`);
      assert.doesNotMatch(res.text, new RegExp(SECRET), form);
      assert.match(res.body.errors[0], /not supported|syntax/);
    }
  });
});
