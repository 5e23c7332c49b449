// One timed load round against a GraphQL server, for bench/compare.py.
// Usage: node load.mjs '{"url": "...", "body": "...", "headers": {...}, "connections": 10, "seconds": 5}'
// With "amount": N instead of "seconds", it sends N requests and waits for all of them (for
// requests slower than a round, which a timed round would cut off uncounted).
// Prints one JSON line: requests, rps, p50/p99 latency (ms), errors (socket errors, timeouts, non-2xx).
import autocannon from 'autocannon';

const job = JSON.parse(process.argv[2]);
const result = await autocannon({
  url: job.url,
  method: 'POST',
  body: job.body,
  headers: { 'content-type': 'application/json', ...(job.headers || {}) },
  connections: job.connections || 10,
  ...(job.amount ? { amount: job.amount } : { duration: job.seconds || 5 }),
  timeout: job.timeout || 30,
});
console.log(JSON.stringify({
  requests: result.requests.total,
  seconds: result.duration,
  mode: job.amount ? 'amount' : 'duration',
  rps: result.requests.total / result.duration,
  p50: result.latency.p50,
  p99: result.latency.p99,
  errors: result.errors + result.timeouts + result.non2xx,
}));
