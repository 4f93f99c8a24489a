import { createGateHandler } from './gateHandler';

/** Lambda entry of the gate stage. */
export const handler = createGateHandler(process.env);
