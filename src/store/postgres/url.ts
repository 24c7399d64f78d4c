/** Which URLs the PostgreSQL store serves: apart from the store itself, so choosing one loads neither. */

/** True for the URLs this backend serves. */
export function isPostgresUrl(url: string | null | undefined): boolean {
  return !!url && /^postgres(ql)?:\/\//i.test(url);
}
