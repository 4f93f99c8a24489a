import type { Detector } from './Detector';

// RFC 5321 in practice, with RFC 6531 internationalised addresses: a dot-atom local part that may
// hold any letter, and a host with at least one dot and a letter TLD.
const ATOM = "[\\p{L}\\p{N}!#$%&'*+/=?^_`{|}~-]+";
const LABEL = '[\\p{L}\\p{N}](?:[\\p{L}\\p{N}-]{0,61}[\\p{L}\\p{N}])?';
const EMAIL = new RegExp(`^${ATOM}(?:\\.${ATOM})*@(?:${LABEL}\\.)+\\p{L}{2,63}$`, 'u');

/** E-mail addresses. */
export const email: Detector = {
  id: 'email',
  matches: (value) => value.length <= 254 && EMAIL.test(value.trim()),
};
