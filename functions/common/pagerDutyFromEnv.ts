import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { PagerDutyClient } from '../../shared/alerting/PagerDutyClient';
import { secretValue } from './secretValue';

/** The PagerDuty settings every paging function reads (`pagerDutyFields` in `envSchemas`). */
export interface PagerDutyEnv {
  readonly PAGERDUTY_ROUTING_KEY?: string | undefined;
  readonly PAGERDUTY_ROUTING_KEY_SECRET_ARN?: string | undefined;
  readonly PAGERDUTY_EVENTS_URL?: string | undefined;
}

/**
 * The PagerDuty client of a function: the routing key given directly or read (and cached) from
 * its secret's `routingKey` field, the events endpoint when one is set.
 */
export function pagerDutyFromEnv(
  env: PagerDutyEnv,
  runtime: { readonly secrets?: SecretsManagerClient; readonly fetch?: typeof fetch },
): PagerDutyClient {
  return new PagerDutyClient({
    routingKey: {
      get: secretValue(
        env.PAGERDUTY_ROUTING_KEY,
        env.PAGERDUTY_ROUTING_KEY_SECRET_ARN,
        'PAGERDUTY_ROUTING_KEY',
        {
          ...(runtime.secrets ? { client: runtime.secrets } : {}),
          field: 'routingKey',
        },
      ),
    },
    ...(env.PAGERDUTY_EVENTS_URL ? { endpoint: env.PAGERDUTY_EVENTS_URL } : {}),
    ...(runtime.fetch ? { fetch: runtime.fetch } : {}),
  });
}
