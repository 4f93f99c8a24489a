import { z } from 'zod';

/** An optional setting: unset and empty are the same. */
export const optional = <T extends z.ZodType>(schema: T) =>
  z.preprocess((v) => (v === '' ? undefined : v), schema.optional());

/** A whole number in [1, max] with a default. */
export const count = (fallback: number, max: number) =>
  z.coerce.number().int().min(1).max(max).default(fallback);

/**
 * The message of a required setting: what it is for when it is missing, zod's own message when it
 * is malformed.
 */
export const forWhat = (why: string) => ({
  error: (issue: { input?: unknown }) => (issue.input === undefined ? `is not set: ${why}` : undefined),
});

/**
 * A refinement requiring exactly one of several ways to give one setting (a plain value locally, a
 * Secrets Manager ARN in AWS). The issue names the first variable and what the setting is for.
 */
export function exactlyOne(variables: readonly string[], why: string) {
  return (value: Record<string, unknown>, ctx: z.RefinementCtx) => {
    const given = variables.filter((v) => value[v] !== undefined);
    if (given.length === 1) return;
    ctx.addIssue({
      code: 'custom',
      path: [given[1] ?? variables[0] ?? ''],
      message:
        given.length === 0
          ? `is not set (nor ${variables.slice(1).join(', nor ')}): ${why}`
          : `set only one of ${given.join(', ')} (${why})`,
    });
  };
}

/**
 * The PagerDuty routing key, given one way (a plain value locally, a Secrets Manager ARN in AWS),
 * and the Events API endpoint the local runtime points at its stand-in.
 */
export const pagerDutyFields = {
  PAGERDUTY_ROUTING_KEY: optional(z.string().min(1)),
  PAGERDUTY_ROUTING_KEY_SECRET_ARN: optional(z.string().min(1)),
  PAGERDUTY_EVENTS_URL: optional(z.url()),
};
