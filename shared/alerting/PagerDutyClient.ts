import { createHash } from 'node:crypto';
import { DsrError } from '../errors/DsrError';

/** Where the routing key comes from (Secrets Manager in AWS). */
export interface RoutingKeySource {
  get(): Promise<string>;
}

export type Severity = 'critical' | 'error' | 'warning' | 'info';

/** The incident the pipeline raises: no personal data, only ids, codes and the subject hash. */
export interface PagerDutyIncident {
  readonly requestId: string;
  /** e.g. `column_added`; part of the dedup key. */
  readonly kind: string;
  readonly summary: string;
  readonly severity?: Severity;
  readonly customDetails?: Readonly<Record<string, string | number | boolean>>;
}

/** A PagerDuty call that failed; retryable on 429, 5xx and network faults (status 0). */
export class PagerDutyError extends DsrError {
  readonly code = 'PAGERDUTY_FAILED';
  override readonly dependency = 'pagerduty' as const;
  constructor(
    /** The HTTP status; 0 when no answer came. */
    readonly status: number,
    readonly retryable: boolean,
    options?: { cause?: unknown },
  ) {
    super(
      status === 0 ? 'PagerDuty Events API did not answer' : `PagerDuty Events API answered ${status}`,
      options,
    );
  }
}

export interface PagerDutyClientOptions {
  readonly routingKey: RoutingKeySource;
  /** @default https://events.pagerduty.com/v2/enqueue */
  readonly endpoint?: string;
  /** Shown as `payload.source`. @default dsr-bridge */
  readonly source?: string;
  readonly fetch?: typeof fetch;
}

export const PAGERDUTY_EVENTS_URL = 'https://events.pagerduty.com/v2/enqueue';

/**
 * The stable dedup key of an incident: the same request and violation kind always give the same
 * key, so a redelivered violation does not open a second incident and a resolve closes the trigger.
 * The request id is hashed to keep the key short (≤ 255) and opaque.
 */
export function dedupKey(requestId: string, kind: string): string {
  const digest = createHash('sha256').update(`${requestId}\u0000${kind}`, 'utf8').digest('hex').slice(0, 32);
  return `dsr-bridge:${kind.slice(0, 64)}:${digest}`;
}

/**
 * PagerDuty Events API v2 client.
 * https://developer.pagerduty.com/docs/events-api-v2/trigger-events/
 */
export class PagerDutyClient {
  private readonly endpoint: string;
  private readonly doFetch: typeof fetch;

  constructor(private readonly options: PagerDutyClientOptions) {
    this.endpoint = options.endpoint ?? PAGERDUTY_EVENTS_URL;
    this.doFetch = options.fetch ?? fetch;
  }

  /** Opens (or, for the same dedup key, updates) an incident. Returns the dedup key. */
  async trigger(incident: PagerDutyIncident): Promise<string> {
    const key = dedupKey(incident.requestId, incident.kind);
    await this.post({
      event_action: 'trigger',
      dedup_key: key,
      payload: {
        summary: incident.summary.slice(0, 1024),
        source: this.options.source ?? 'dsr-bridge',
        severity: incident.severity ?? 'critical',
        custom_details: { requestId: incident.requestId, kind: incident.kind, ...incident.customDetails },
      },
    });
    return key;
  }

  /** Resolves the incident opened for the same request and kind. */
  async resolve(requestId: string, kind: string): Promise<string> {
    const key = dedupKey(requestId, kind);
    await this.post({ event_action: 'resolve', dedup_key: key });
    return key;
  }

  private async post(event: Record<string, unknown>): Promise<void> {
    const routingKey = await this.options.routingKey.get();
    let response: Response;
    try {
      response = await this.doFetch(this.endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ routing_key: routingKey, ...event }),
      });
    } catch (error) {
      // No answer at all (DNS, reset, TLS): PagerDuty's fault as far as this request can tell.
      throw new PagerDutyError(0, true, { cause: error });
    }
    if (!response.ok) {
      throw new PagerDutyError(response.status, response.status === 429 || response.status >= 500);
    }
  }
}
