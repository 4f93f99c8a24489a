import { createExtractHandler } from './extractHandler';

/** Lambda entry of extract-high and extract-standard (`DSR_PRIORITY` tells them apart). */
export const handler = createExtractHandler(process.env);
