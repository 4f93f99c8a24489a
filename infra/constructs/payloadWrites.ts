import type { FunctionName } from '../../functions/functionConfigs';
import type { PayloadPrefix } from '../../shared/payload/PayloadStore';

/**
 * Where in the payload bucket each function may put objects: the prefixes of the keys its code
 * writes (`shared/payload/PayloadStore.ts`), and nothing else. Every stage dead-letters a body it
 * cannot process (`createRecordProcessor`); the extractors claim-check findings and store the
 * erasure case; the gate, the load and erase functions quarantine; the erase function stores the
 * plans it makes again; only the load and erase functions write the subject's package (the page,
 * data files, evidence or confirmation, and manifest, under `packages/<request id>/`). The others
 * never put an object.
 */
export const PAYLOAD_WRITES: Readonly<Record<FunctionName, readonly PayloadPrefix[]>> = {
  extractHigh: ['claimCheck', 'erasure', 'deadLetter'],
  extractStandard: ['claimCheck', 'erasure', 'deadLetter'],
  gate: ['quarantine', 'deadLetter'],
  load: ['quarantine', 'deadLetter', 'packages'],
  erase: ['erasure', 'quarantine', 'deadLetter', 'packages'],
  deadLetterRecorder: ['deadLetter'],
  redrive: [],
  scan: [],
  deadlineCheck: [],
};
