/** Settings for what bulk actions need: statuses, custom fields, templates, sender accounts, sequences. */
import { href } from '../router.ts';
import { AccountsSettings } from '../settings/accounts.tsx';
import { CustomFieldsSettings } from '../settings/custom-fields.tsx';
import { SequencesSettings } from '../settings/sequences.tsx';
import { StatusesSettings } from '../settings/statuses.tsx';
import { TemplatesSettings } from '../settings/templates.tsx';

const SECTIONS = [
  ['statuses', 'Lead statuses'],
  ['lead-fields', 'Lead custom fields'],
  ['contact-fields', 'Contact custom fields'],
  ['templates', 'Email templates'],
  ['accounts', 'Connected accounts'],
  ['sequences', 'Sequences'],
] as const;

export function SettingsPage({ section }: { section: string }) {
  return (
    <>
      <h1>Settings</h1>
      <nav aria-label="Settings">
        <ul className="tabs">
          {SECTIONS.map(([key, label]) => (
            <li key={key}>
              <a href={href(`settings/${key}`)} aria-current={section === key ? 'page' : undefined}>
                {label}
              </a>
            </li>
          ))}
        </ul>
      </nav>
      {section === 'statuses' ? <StatusesSettings /> : null}
      {section === 'lead-fields' ? <CustomFieldsSettings key="lead" objectType="lead" /> : null}
      {section === 'contact-fields' ? <CustomFieldsSettings key="contact" objectType="contact" /> : null}
      {section === 'templates' ? <TemplatesSettings /> : null}
      {section === 'accounts' ? <AccountsSettings /> : null}
      {section === 'sequences' ? <SequencesSettings /> : null}
    </>
  );
}
