import { createDeadlineCheckHandler } from './deadlineCheckHandler';

/** Lambda entry of the deadline check (EventBridge Scheduler, hourly). */
export const handler = createDeadlineCheckHandler(process.env);
