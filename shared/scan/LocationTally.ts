import type { Detector, DetectorId } from './detectors/Detector';

/** How a location was recognised: from its sampled values, its name alone, or both. */
export type DetectionBasis = 'values' | 'name' | 'name_and_values';

/** The verdict on one location (a column, or a JSON path inside one). Holds counts, never values. */
export interface Classification {
  readonly detector: DetectorId;
  readonly basis: DetectionBasis;
  /** 0–1: the Wilson lower bound of the matching share (95%), or a fixed weight for names alone. */
  readonly confidence: number;
  /** Non-null values sampled at this location. */
  readonly samples: number;
  /** Of those, how many the detector matched. */
  readonly matches: number;
}

/** Weight of a name alone (`last_name`, `postal_code`): suggestive, not proof. */
export const NAME_ONLY_CONFIDENCE = 0.5;

/**
 * Counts, for one location, how many sampled values each detector matches. Values are looked at
 * once and dropped; only the counts remain.
 */
export class LocationTally {
  samples = 0;
  private readonly hits = new Map<DetectorId, number>();

  constructor(
    /** The column name or the JSON key: a hint some detectors need. */
    readonly name: string,
    private readonly detectors: readonly Detector[],
    private readonly now: Date,
  ) {}

  add(value: string): void {
    this.samples++;
    const context = { name: this.name, now: this.now };
    for (const detector of this.detectors) {
      if (detector.matches?.(value, context))
        this.hits.set(detector.id, (this.hits.get(detector.id) ?? 0) + 1);
    }
  }

  /**
   * The best-supported detector whose matching share reaches `threshold` (0–1), else a detector
   * the name alone points to; undefined when nothing fires or nothing was sampled.
   */
  classify(threshold: number): Classification | undefined {
    if (this.samples === 0) return undefined;
    let best: Classification | undefined;
    for (const detector of this.detectors) {
      const matches = this.hits.get(detector.id) ?? 0;
      const byValues = matches > 0 && matches / this.samples >= threshold;
      const byName = detector.matchesName?.(this.name) ?? false;
      if (!byValues && !byName) continue;
      // A name that suggests the kind (`mobile`, `card_no`) counts with values, never without them.
      const named = byName || (byValues && (detector.suggestedByName?.(this.name) ?? false));
      const lower = wilsonLowerBound(matches, this.samples);
      const candidate: Classification = {
        detector: detector.id,
        basis: byValues ? (named ? 'name_and_values' : 'values') : 'name',
        confidence: round2(
          byValues ? (named ? 1 - (1 - lower) * (1 - NAME_ONLY_CONFIDENCE) : lower) : NAME_ONLY_CONFIDENCE,
        ),
        samples: this.samples,
        matches,
      };
      if (!best || candidate.confidence > best.confidence) best = candidate;
    }
    return best;
  }
}

/** Lower bound of the Wilson score interval at 95%: a share seen in few samples earns less trust. */
export function wilsonLowerBound(successes: number, trials: number, z = 1.96): number {
  if (trials === 0) return 0;
  const p = successes / trials;
  const z2 = z * z;
  const centre = p + z2 / (2 * trials);
  const margin = z * Math.sqrt((p * (1 - p)) / trials + z2 / (4 * trials * trials));
  return Math.max(0, (centre - margin) / (1 + z2 / trials));
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}
