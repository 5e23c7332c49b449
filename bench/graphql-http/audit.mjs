// GraphQL-over-HTTP conformance audit of a running lastmile server.
//
//   node bench/graphql-http/audit.mjs [URL]      (default http://127.0.0.1:8000/graphql)
//
// Prints every audit with its status; exits 1 if any audit ends in "error"
// or "warn" (the spec's MUSTs and SHOULDs), 0 otherwise ("notice" = a MAY).
import { auditServer } from 'graphql-http';

const url = process.argv[2] || process.env.LASTMILE_AUDIT_URL || 'http://127.0.0.1:8000/graphql';
const results = await auditServer({ url });

const counts = { ok: 0, notice: 0, warn: 0, error: 0 };
for (const result of results) {
  counts[result.status] += 1;
  let line = `${result.status.toUpperCase().padEnd(6)} ${result.id} ${result.name}`;
  if (result.status !== 'ok') {
    let body = '';
    try {
      body = (await result.response.text()).slice(0, 300);
    } catch {
      body = '(body already read)';
    }
    line += `\n       reason: ${result.reason}\n       response: ${result.response.status} ` +
      `${result.response.headers.get('content-type')} ${body}`;
  }
  console.log(line);
}
console.log(`\n${results.length} audits: ${counts.ok} ok, ${counts.notice} notice, ` +
  `${counts.warn} warn, ${counts.error} error`);
process.exit(counts.error || counts.warn ? 1 : 0);
