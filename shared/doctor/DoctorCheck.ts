/** The verdict of one check: a value, never thrown. */
export type CheckOutcome =
  | { readonly status: 'pass'; readonly detail: string }
  | { readonly status: 'fail'; readonly detail: string; readonly fix: string };

/** One dependency checked the way the functions use it. */
export interface DoctorCheck {
  /** The functions that depend on it, e.g. `extractHigh, extractStandard`. */
  readonly functions: string;
  /** What is checked, e.g. `PostgreSQL reachable with PG_SECRET_ARN`. */
  readonly name: string;
  readonly run: () => Promise<CheckOutcome>;
}

/** A check's row in the report. */
export type DoctorRow = Pick<DoctorCheck, 'functions' | 'name'> & CheckOutcome;

export const pass = (detail: string): CheckOutcome => ({ status: 'pass', detail });
export const fail = (detail: string, fix: string): CheckOutcome => ({ status: 'fail', detail, fix });

/**
 * Runs the checks one after another (each dependency once, so a slow one is attributed), each
 * bounded by `timeoutMs`; a check that throws or overruns fails with its message. No row holds a
 * secret or an identifier value: checks report names, codes and counts.
 */
export async function runDoctor(
  checks: readonly DoctorCheck[],
  options: { readonly timeoutMs?: number } = {},
): Promise<DoctorRow[]> {
  const timeoutMs = options.timeoutMs ?? 60_000;
  const rows: DoctorRow[] = [];
  for (const check of checks) {
    let timer: NodeJS.Timeout | undefined;
    const overrun = new Promise<CheckOutcome>((resolve) => {
      timer = setTimeout(
        () =>
          resolve(
            fail(
              `no answer within ${timeoutMs} ms`,
              'check the network path (security groups, routes, proxy) to this dependency',
            ),
          ),
        timeoutMs,
      );
    });
    const outcome = await Promise.race([
      check
        .run()
        .catch((error: unknown) =>
          fail(firstLine(error), 'unexpected failure of the check itself: see the detail'),
        ),
      overrun,
    ]);
    clearTimeout(timer);
    rows.push({ functions: check.functions, name: check.name, ...outcome });
  }
  return rows;
}

/** The first line of an error's message, cut to 200 characters. */
export function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return (text.split('\n')[0] ?? '').slice(0, 200);
}
