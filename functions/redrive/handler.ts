import { createRedriveHandler } from './redriveHandler';

/** Lambda entry of the redrive function (EventBridge Scheduler, maintenance window). */
export const handler = createRedriveHandler(process.env);
