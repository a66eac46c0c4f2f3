/** One-line descriptions of what went wrong, for the report and the workers' messages. */

/** `Name: message` for an Error, `String(value)` for anything else thrown. */
export function errorText(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}

/** A reply that is not what the load expected: an Error as `Name: message`, anything else as JSON. */
export function describeReply(value: unknown): string {
  if (value instanceof Error) return errorText(value);
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
