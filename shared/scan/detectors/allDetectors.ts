import { creditCard } from './creditCard';
import type { Detector } from './Detector';
import { dateOfBirth } from './dateOfBirth';
import { email } from './email';
import { iban } from './iban';
import { ipAddress } from './ipAddress';
import { personName } from './personName';
import { phone } from './phone';
import { postalAddress } from './postalAddress';
import { usSsn } from './ssn';

/**
 * Every detector, most specific first: where two match a column equally well, the earlier one
 * names it (a card number is reported as a card, not as a phone).
 */
export const ALL_DETECTORS: readonly Detector[] = [
  email,
  creditCard,
  iban,
  usSsn,
  dateOfBirth,
  ipAddress,
  phone,
  postalAddress,
  personName,
];
