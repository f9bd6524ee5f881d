/** Names of what actions refer to by id (statuses, templates, sequences, custom fields), for "parameters in words". */
import { useMemo } from 'react';
import { useCustomFields, useSequences, useStatuses, useTemplates } from '../api/hooks.ts';

export function useNames(): Record<string, string> {
  const statuses = useStatuses();
  const templates = useTemplates();
  const sequences = useSequences();
  const leadFields = useCustomFields('lead');
  const contactFields = useCustomFields('contact');
  return useMemo(() => {
    const names: Record<string, string> = {};
    for (const s of statuses.data ?? []) names[s.id] = s.label;
    for (const t of templates.data ?? []) names[t.id] = t.name;
    for (const s of sequences.data ?? []) names[s.id] = s.name;
    for (const f of [...(leadFields.data ?? []), ...(contactFields.data ?? [])]) names[f.id] = f.name;
    return names;
  }, [statuses.data, templates.data, sequences.data, leadFields.data, contactFields.data]);
}
