/**
 * The changelog decoder of JSON-lines sources and HTTP ingest. It lives in
 * src/plan/changelog-decoder.ts, below the Producer, which reads changelogs too and may not load
 * dataflow code (the `laminar-redis/producer` entry stays free of the runtime).
 */
export { ChangelogDecoder } from '../../plan/changelog-decoder.js';
