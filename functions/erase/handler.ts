import { createEraseHandler } from './eraseHandler';

export const handler = createEraseHandler(process.env);
