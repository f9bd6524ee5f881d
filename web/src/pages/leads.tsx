/**
 * Leads: the filter builder (and its JSON), the live match count, the table (chosen columns, sort,
 * cursor paging), Smart Views, and the four bulk actions started on the current filter.
 */
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import { api, ApiError } from '../api/client.ts';
import { useCustomFields, useStatuses, useUsers } from '../api/hooks.ts';
import { BulkLauncher } from '../bulk/launcher.tsx';
import { Field, FormErrors } from '../components/form.tsx';
import { useDebounced } from '../components/use-debounced.ts';
import { FilterBuilder } from '../filter/builder.tsx';
import { BUILT_IN_COLUMNS, customColumns, DEFAULT_COLUMNS, formatCell, type Column } from '../filter/columns.ts';
import { fieldOptions } from '../filter/fields.ts';
import { emptyGroup, fromQuery, toQuery, type Group } from '../filter/model.ts';
import { QueryJsonEditor } from '../filter/query-json-editor.tsx';
import { SmartViews } from '../filter/smart-views.tsx';
import { href } from '../router.ts';

export type SortSpec = readonly { direction: 'asc' | 'desc'; field: Record<string, unknown> }[];

interface SearchPage {
  data: Record<string, unknown>[];
  cursor: string | null;
  count?: { total: number; limited: number };
}

const PAGE_SIZES = [25, 50, 100];

/** Whether two sort fields name the same field (the server may echo keys in another order). */
function sameField(a: Record<string, unknown> | undefined, b: Record<string, unknown> | undefined): boolean {
  if (!a || !b) return false;
  return a.type === b.type && a.field_name === b.field_name && a.custom_field_id === b.custom_field_id;
}

export function LeadsPage() {
  const statuses = useStatuses();
  const users = useUsers();
  const leadFields = useCustomFields('lead');
  const contactFields = useCustomFields('contact');
  const [root, setRoot] = useState<Group>(emptyGroup());
  const [sort, setSort] = useState<SortSpec>([]);
  const [columns, setColumns] = useState<string[]>(DEFAULT_COLUMNS);
  const [pageSize, setPageSize] = useState(25);
  // Cursors of the pages seen so far; the last is the current page's.
  const [cursors, setCursors] = useState<(string | null)[]>([null]);

  const query = useMemo(() => toQuery(root), [root]);
  const searchKey = useDebounced(JSON.stringify({ query, sort }));

  const allColumns: Column[] = useMemo(() => [...BUILT_IN_COLUMNS, ...customColumns(leadFields.data ?? [])], [leadFields.data]);
  const shown = allColumns.filter((c) => columns.includes(c.key));
  const fields = useMemo(() => fieldOptions(leadFields.data ?? [], contactFields.data ?? []), [leadFields.data, contactFields.data]);

  const cursor = cursors[cursors.length - 1] ?? null;
  const search = useQuery({
    queryKey: ['search', searchKey, shown.map((c) => c.field).join(','), pageSize, cursor],
    queryFn: ({ signal }) => {
      const { query: q, sort: s } = JSON.parse(searchKey) as { query: unknown; sort: SortSpec };
      return api<SearchPage>('POST', 'data/search/', {
        signal,
        body: { query: q, sort: s, _limit: pageSize, cursor, include_counts: true, _fields: { lead: ['id', ...shown.map((c) => c.field)] } },
      });
    },
    placeholderData: keepPreviousData,
  });
  const fieldErrors = search.error instanceof ApiError ? search.error.fieldErrors : {};

  const restart = () => setCursors([null]);
  const changeRoot = (g: Group) => {
    setRoot(g);
    restart();
  };
  const toggleSort = (column: Column) => {
    if (!column.sortField) return;
    const current = sort[0] && sameField(sort[0].field, column.sortField) ? sort[0].direction : null;
    setSort(current === 'asc' ? [{ direction: 'desc', field: column.sortField }] : current === 'desc' ? [] : [{ direction: 'asc', field: column.sortField }]);
    restart();
  };
  const sortOf = (column: Column) =>
    sort[0] && sameField(sort[0].field, column.sortField) ? sort[0].direction : null;

  const count = search.data?.count;
  return (
    <>
      <h1>Leads</h1>
      <SmartViews
        query={query}
        sort={sort}
        onOpen={(view) => {
          setRoot(fromQuery(view.s_query.query));
          setSort(Array.isArray(view.s_query.sort) ? (view.s_query.sort as SortSpec) : []);
          restart();
        }}
      />
      <section aria-labelledby="filter-heading" className="panel">
        <h2 id="filter-heading">Filter</h2>
        <FilterBuilder root={root} onChange={changeRoot} ctx={{ fields, statuses: statuses.data ?? [], users: users.data ?? [], errors: fieldErrors }} basePath="query" />
        <QueryJsonEditor
          query={query}
          sort={sort}
          onApply={(q, s) => {
            setRoot(fromQuery(q));
            setSort(s);
            restart();
          }}
        />
      </section>

      <div className="toolbar" aria-live="polite">
        <span className="count" data-testid="lead-count">
          {count ? `${count.total.toLocaleString('en-US')} lead${count.total === 1 ? '' : 's'} match` : search.isFetching ? 'Counting…' : ''}
        </span>
        {search.isFetching ? <span className="muted">Updating…</span> : null}
      </div>
      <FormErrors error={search.error} shown={Object.keys(fieldErrors).filter((k) => k.startsWith('query.'))} />

      <BulkLauncher query={query} sort={sort} count={count?.total} />

      <details className="panel">
        <summary>Columns</summary>
        <fieldset>
          <legend>Columns shown</legend>
          {allColumns.map((c) => (
            <label key={c.key} className="checkbox">
              <input
                type="checkbox"
                checked={columns.includes(c.key)}
                onChange={(e) => setColumns(e.target.checked ? [...columns, c.key] : columns.filter((k) => k !== c.key))}
              />
              {c.label}
            </label>
          ))}
        </fieldset>
      </details>

      <div className="table-wrap">
        <table className="stack">
          <caption>Matching leads, page {cursors.length}</caption>
          <thead>
            <tr>
              {shown.map((c) => {
                const dir = sortOf(c);
                return (
                  <th key={c.key} scope="col" aria-sort={dir === 'asc' ? 'ascending' : dir === 'desc' ? 'descending' : undefined}>
                    {c.sortField ? (
                      <button type="button" className="sort" onClick={() => toggleSort(c)}>
                        {c.label} {dir === 'asc' ? '▲' : dir === 'desc' ? '▼' : ''}
                        <span className="visually-hidden">{dir ? ` (sorted ${dir === 'asc' ? 'ascending' : 'descending'})` : ' (sort)'}</span>
                      </button>
                    ) : (
                      c.label
                    )}
                  </th>
                );
              })}
            </tr>
          </thead>
          <tbody>
            {(search.data?.data ?? []).map((lead) => (
              <tr key={String(lead.id)}>
                {shown.map((c, i) => (
                  <td key={c.key} data-label={c.label}>
                    {i === 0 ? <a href={href(`leads/${String(lead.id)}`)}>{formatCell(lead[c.field], c) || String(lead.id)}</a> : formatCell(lead[c.field], c)}
                  </td>
                ))}
              </tr>
            ))}
            {search.data && search.data.data.length === 0 ? (
              <tr>
                <td colSpan={shown.length}>No leads match.</td>
              </tr>
            ) : null}
          </tbody>
        </table>
      </div>
      <nav className="toolbar" aria-label="Pages">
        <button type="button" className="secondary" disabled={cursors.length <= 1} onClick={() => setCursors(cursors.slice(0, -1))}>
          Previous page
        </button>
        <button
          type="button"
          className="secondary"
          disabled={!search.data?.cursor || search.isPlaceholderData}
          onClick={() => search.data?.cursor && setCursors([...cursors, search.data.cursor])}
        >
          Next page
        </button>
        <Field label="Leads per page">
          {(p) => (
            <select
              {...p}
              value={pageSize}
              onChange={(e) => {
                setPageSize(Number(e.target.value));
                restart();
              }}
            >
              {PAGE_SIZES.map((n) => (
                <option key={n} value={n}>
                  {n}
                </option>
              ))}
            </select>
          )}
        </Field>
      </nav>
    </>
  );
}
