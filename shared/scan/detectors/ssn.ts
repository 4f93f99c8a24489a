import { type Detector, nameWords } from './Detector';

/**
 * United States Social Security numbers. Area 000, 666 and 900–999, group 00 and serial 0000 are
 * never issued (https://www.ssa.gov/employer/randomization.html), so they do not match. Nine bare
 * digits are accepted only in a column named for them: unformatted, they are as likely any other id.
 */
export const usSsn: Detector = {
  id: 'us_ssn',
  matches: (value, context) => {
    const text = value.trim();
    const formatted = /^(\d{3})-(\d{2})-(\d{4})$/.exec(text);
    const bare = formatted ? undefined : /^(\d{3})(\d{2})(\d{4})$/.exec(text);
    const parts = formatted ?? (bare && isSsnName(context.name) ? bare : undefined);
    if (!parts) return false;
    const [, area = '', group = '', serial = ''] = parts;
    return area !== '000' && area !== '666' && area[0] !== '9' && group !== '00' && serial !== '0000';
  },
  suggestedByName: isSsnName,
};

function isSsnName(name: string): boolean {
  const words = nameWords(name);
  return words.includes('ssn') || (words.includes('social') && words.includes('security'));
}
