/** Queries the console reads on many pages, cached by TanStack Query under one key each. */
import { useQuery } from '@tanstack/react-query';
import type { CustomFieldDef } from '../filter/fields.ts';
import { api, listAll } from './client.ts';

export interface Me {
  id: string;
  email: string;
  first_name: string | null;
  last_name: string | null;
  organizations: { id: string; name: string }[];
  email_accounts?: { id: string; email: string }[];
}
export interface User {
  id: string;
  email: string;
  first_name: string | null;
  last_name: string | null;
}
export const userName = (u: User) => [u.first_name, u.last_name].filter(Boolean).join(' ') || u.email;

export interface Status {
  id: string;
  label: string;
}
export interface ConnectedAccount {
  id: string;
  email: string;
  identities?: { email: string; name?: string | null }[];
  [key: string]: unknown;
}
export interface Template {
  id: string;
  name: string;
  subject: string;
  body: string;
  [key: string]: unknown;
}
export interface Sequence {
  id: string;
  name: string;
  status: string;
  [key: string]: unknown;
}
export interface SavedSearch {
  id: string;
  name: string;
  type: string;
  s_query: { query: unknown; sort?: unknown; results_limit?: number | null };
}

export const useMe = () => useQuery({ queryKey: ['me'], queryFn: () => api<Me>('GET', 'me/') });
export const useUsers = () => useQuery({ queryKey: ['users'], queryFn: () => listAll<User>('user/') });
export const useStatuses = () => useQuery({ queryKey: ['statuses'], queryFn: () => listAll<Status>('status/lead/') });
export const useCustomFields = (type: 'lead' | 'contact') =>
  useQuery({ queryKey: ['custom_fields', type], queryFn: () => listAll<CustomFieldDef>(`custom_field/${type}/`) });
export const useAccounts = () => useQuery({ queryKey: ['accounts'], queryFn: () => listAll<ConnectedAccount>('connected_account/') });
export const useTemplates = () => useQuery({ queryKey: ['templates'], queryFn: () => listAll<Template>('email_template/') });
export const useSequences = () => useQuery({ queryKey: ['sequences'], queryFn: () => listAll<Sequence>('sequence/') });
export const useSavedSearches = () =>
  useQuery({ queryKey: ['saved_searches'], queryFn: () => listAll<SavedSearch>('saved_search/?type=lead') });
