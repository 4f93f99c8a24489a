import { isIPv4, isIPv6 } from 'node:net';
import type { Detector } from './Detector';

/**
 * IPv4 and IPv6 addresses, which identify a device and so a person (CJEU C-582/14, Breyer).
 * Node's parser refuses leading zeros in IPv4 octets, so zero-padded codes do not match.
 */
export const ipAddress: Detector = {
  id: 'ip_address',
  matches: (value) => {
    const text = value.trim();
    if (isIPv4(text)) return true;
    // A zone index (`fe80::1%eth0`) is part of an address as written, but not of its identity.
    return text.includes(':') && isIPv6(text.split('%')[0] ?? '');
  },
};
