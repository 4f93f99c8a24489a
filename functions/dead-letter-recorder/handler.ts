import { createDeadLetterRecorderHandler } from './deadLetterRecorderHandler';

/** Lambda entry of the dead-letter recorder (EventBridge Scheduler, every few minutes). */
export const handler = createDeadLetterRecorderHandler(process.env);
