import { createLoadHandler } from './loadHandler';

/** Lambda entry of the load stage. */
export const handler = createLoadHandler(process.env);
