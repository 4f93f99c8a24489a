import type { PagerDutyClient } from '../../shared/alerting/PagerDutyClient';
import { ComplianceMetrics } from '../../shared/telemetry/ComplianceMetrics';
import { type PagerDutyEnv, pagerDutyFromEnv } from './pagerDutyFromEnv';
import type { StageRuntime } from './StageRuntime';

/**
 * What a function that quarantines or pages needs besides its stage's ports: the compliance metrics
 * (to the runtime's sink) and the PagerDuty client its environment names.
 */
export function quarantinePorts(
  env: PagerDutyEnv,
  runtime: StageRuntime,
): { readonly metrics: ComplianceMetrics; readonly pagerDuty: PagerDutyClient } {
  return { metrics: new ComplianceMetrics(runtime.metricSink), pagerDuty: pagerDutyFromEnv(env, runtime) };
}
