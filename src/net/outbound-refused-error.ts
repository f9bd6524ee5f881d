/**
 * A tenant-initiated connection the outbound policy refused before any packet was sent. `code` is
 * `EOUTBOUND` so that callers that sort errors by code (the email send outcome) can tell a policy
 * refusal from a network failure; the message names the host, the address and the setting that
 * would allow it, because the one who can act on it is the operator.
 */
export const OUTBOUND_REFUSED = 'EOUTBOUND';

export class OutboundRefusedError extends Error {
  readonly code = OUTBOUND_REFUSED;
  readonly host: string;
  readonly address: string;

  constructor(host: string, address: string, reason: string) {
    const subject = host === address ? `${host} is ${reason}` : `${host} resolves to ${address}, ${reason}`;
    super(`${subject}; connections made for tenants may not reach it (the operator can allow it in OUTBOUND_ALLOW_HOSTS).`);
    this.name = 'OutboundRefusedError';
    this.host = host;
    this.address = address;
  }

  static is(error: unknown): error is OutboundRefusedError {
    return error instanceof OutboundRefusedError || (error as { code?: unknown } | null)?.code === OUTBOUND_REFUSED;
  }
}
