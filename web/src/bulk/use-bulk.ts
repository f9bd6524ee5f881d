/**
 * Reading and steering bulk actions: every kind's list merged newest first, polled every two seconds
 * while something is still running (the bulk endpoints' rate budget is RATE_LIMIT_PER_KEY / 8 per
 * second: four lists every 2 s stay well inside it), and the pause / resume / cancel PUT.
 */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useRef } from 'react';
import { api, listAll } from '../api/client.ts';
import { BULK_KINDS, TERMINAL, type BulkAction, type BulkKind, type KindedAction } from './kinds.ts';

export const POLL_MS = 2000;

const running = (actions: readonly BulkAction[] | undefined) => (actions ?? []).some((a) => !TERMINAL.includes(a.status));

export function useBulkActions() {
  return useQuery({
    queryKey: ['bulk', 'list'],
    queryFn: async () => {
      const lists = await Promise.all(
        BULK_KINDS.map(async (kind) => (await listAll<BulkAction>(`bulk_action/${kind}/`, 200)).map((a): KindedAction => ({ ...a, kind }))),
      );
      return lists.flat().sort((a, b) => b.date_created.localeCompare(a.date_created) || b.id.localeCompare(a.id));
    },
    refetchInterval: (q) => (running(q.state.data) ? POLL_MS : false),
  });
}

export function useBulkAction(kind: string, id: string) {
  return useQuery({
    queryKey: ['bulk', 'one', kind, id],
    queryFn: async (): Promise<KindedAction> => ({ ...(await api<BulkAction>('GET', `bulk_action/${kind}/${id}/`)), kind: kind as BulkKind }),
    refetchInterval: (q) => (q.state.data && TERMINAL.includes(q.state.data.status) ? false : POLL_MS),
  });
}

export function useMoveAction() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ action, status }: { action: KindedAction; status: 'paused' | 'resuming' | 'cancelled' }) =>
      api<BulkAction>('PUT', `bulk_action/${action.kind}/${action.id}/`, { body: { status } }),
    onSettled: () => queryClient.invalidateQueries({ queryKey: ['bulk'] }),
  });
}

/** Leads per second, from the last two polls of each action (null until there are two). */
export function useRates(actions: readonly KindedAction[] | undefined): Record<string, number | null> {
  const samples = useRef(new Map<string, { at: number; processed: number; rate: number | null }>());
  const out: Record<string, number | null> = {};
  const now = Date.now();
  for (const a of actions ?? []) {
    const processed = a.n_leads_processed ?? 0;
    const prev = samples.current.get(a.id);
    if (!prev) samples.current.set(a.id, { at: now, processed, rate: null });
    else if (processed !== prev.processed && now > prev.at) {
      const rate = ((processed - prev.processed) * 1000) / (now - prev.at);
      samples.current.set(a.id, { at: now, processed, rate });
    }
    out[a.id] = TERMINAL.includes(a.status) || a.status === 'paused' ? null : (samples.current.get(a.id)?.rate ?? null);
  }
  return out;
}
