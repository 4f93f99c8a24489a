import { createScanHandler } from './scanHandler';

/** Lambda entry of the coverage scan (EventBridge Scheduler, weekly by default). */
export const handler = createScanHandler(process.env);
