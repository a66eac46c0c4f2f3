import { request } from 'node:http';

/** What {@link plainRequest} got back. */
export interface PlainAnswer {
  status: number;
  headers: Record<string, unknown>;
  text: string;
}

/** One HTTP request to `host:port` with no client library in between (probes, as kubelet sends them). */
export function plainRequest(
  address: string,
  path: string,
  options: { method?: string; headers?: Record<string, string> } = {},
): Promise<PlainAnswer> {
  const url = new URL(path, `http://${address}`);
  return new Promise((resolve, reject) => {
    const req = request(url, { method: options.method ?? 'GET', headers: options.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          text: Buffer.concat(chunks).toString(),
        }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}
