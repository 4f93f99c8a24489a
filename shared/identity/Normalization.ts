/** How an identifier is normalised before it is searched for and hashed. */
export const NORMALIZATIONS = ['none', 'lowercase', 'digits', 'phone'] as const;

export type Normalization = (typeof NORMALIZATIONS)[number];
