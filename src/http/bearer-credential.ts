/**
 * The credential of an `Authorization: Bearer <credential>` header, or undefined when the
 * header is absent or of another form. The scheme is case-insensitive (RFC 9110 section 11.1),
 * so `bearer` and `BEARER` are read as `Bearer`; the credential is 1 to `maxLength` visible
 * ASCII characters (no bound by default: the header's own limit applies).
 *
 * @example
 * bearerCredential('bearer mdt_abc', 512); // 'mdt_abc'
 */
export function bearerCredential(
  header: string | undefined,
  maxLength = Number.POSITIVE_INFINITY,
): string | undefined {
  if (header === undefined) return undefined;
  const match = /^Bearer +([\x21-\x7E]+)$/i.exec(header);
  const credential = match?.[1];
  return credential !== undefined && credential.length <= maxLength ? credential : undefined;
}
