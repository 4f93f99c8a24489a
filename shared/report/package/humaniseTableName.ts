/**
 * A table's name in words for the subject, when the data map gives it no `disclosure.title`: the
 * last part of the name, underscores as spaces, in lower case with a capital first letter
 * (`public.newsletter_subscriptions` → "Newsletter subscriptions").
 */
export function humaniseTableName(table: string): string {
  const words = (table.split('.').at(-1) ?? table).replace(/[_$]+/g, ' ').trim().toLowerCase();
  return words === '' ? table : `${words[0]?.toUpperCase()}${words.slice(1)}`;
}
