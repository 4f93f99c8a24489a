/**
 * The PII scan tests run over every place dsr-bridge writes; the same module the demo's check uses
 * (`local/pipeline/scanForValues.ts`), so there is one scan.
 */
export {
  type QueuedMessage,
  readQueueMessages,
  scanForValues,
  type ValueHit,
  valuesIn,
  type WrittenPlaces,
  writtenForms,
} from '../../local/pipeline/scanForValues';
