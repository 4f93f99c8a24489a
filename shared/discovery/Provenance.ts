/**
 * How a finding was reached: one entry per match that found the row in the round it was first
 * found. It names kinds, tables and columns, never identifier values, and is part of the canonical
 * findings (so of the evidence hash). Keys are written in sorted order.
 */
export type ProvenanceEntry =
  | {
      readonly column: string;
      readonly identity: string;
      readonly round: number;
      /** Whether the values matched came with the request or were learned from rows found. */
      readonly source: 'request' | 'learned';
      readonly via: 'identity';
    }
  | {
      readonly column: string;
      /** `<system>:<table>.<column>`: the column followed. */
      readonly from: string;
      readonly round: number;
      readonly via: 'follow';
    };
