// Who hears the alarms. A protected (production) stack whose alarm topic nobody is subscribed to
// fails silently on the day it matters, so such a stack is refused unless someone said, in its
// config, where the alarms go.

/** The `alarmEmail` value that says the topic's subscribers are managed outside this stack. */
export const NO_ALARM_EMAIL = "none";

// Names reserved for documentation and testing (RFC 2606, RFC 6761): no mail is ever delivered there.
const PLACEHOLDER_DOMAIN = /(^|\.)(example\.(com|net|org)|example|invalid|test|localhost)$/i;
const EMAIL = /^[^@\s]+@([^@\s]+\.[^@\s]+)$/;

/**
 * The address to subscribe to the alarm topic, or undefined for none. Refuses a malformed address
 * or a placeholder domain anywhere, and a protected stack without an address (or "none").
 */
export function alarmEmailFor(opts: { alarmEmail: string | undefined; protect: boolean }): string | undefined {
  const value = (opts.alarmEmail ?? "").trim();
  const set = "pulumi config set sluice:alarmEmail oncall@your-company.com";
  if (value === NO_ALARM_EMAIL) return undefined;
  if (value === "") {
    if (!opts.protect) return undefined;
    throw new Error(
      `sluice:alarmEmail is not set on this protected stack (sluice:protect is true), so its alarms would notify nobody. ` +
        `Set it with \`${set}\`, or set it to "${NO_ALARM_EMAIL}" if you subscribe the alarm topic (output alarmTopicArn) yourself.`,
    );
  }
  const match = EMAIL.exec(value);
  if (!match) throw new Error(`sluice:alarmEmail ${JSON.stringify(value)} is not an email address (\`${set}\`)`);
  if (PLACEHOLDER_DOMAIN.test(match[1])) {
    throw new Error(`sluice:alarmEmail ${value} is a placeholder: ${match[1]} is reserved and never receives mail (\`${set}\`)`);
  }
  return value;
}
